'use strict';
// Bounded waiting on events. Every wait has a timeout that fails with a message saying what
// was awaited, so a hung step reads as a clear failure rather than a test-runner timeout.

/**
 * A growing list of items (log lines, MQTT messages) that can be awaited:
 * `await list.until(pred, ms, 'what')` resolves with the first item (from the start, or from
 * `from`) for which `pred` returns a truthy value, or with that value if it is not `true`.
 */
class Awaitable {
  constructor() {
    this.items = [];
    this.waiters = new Set();
  }

  push(item) {
    this.items.push(item);
    for (const w of [...this.waiters]) w.check();
  }

  until(pred, timeoutMs, what, from = 0) {
    return new Promise((resolve, reject) => {
      let index = from;
      const waiter = {
        check: () => {
          for (; index < this.items.length; index++) {
            const r = pred(this.items[index]);
            if (r) {
              this.waiters.delete(waiter);
              clearTimeout(timer);
              resolve(r === true ? this.items[index] : r);
              return;
            }
          }
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.waiters.add(waiter);
      waiter.check();
    });
  }
}

/** Rejects with `what` if `promise` has not settled within `timeoutMs`. */
function within(promise, timeoutMs, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
    }),
  ]).finally(() => clearTimeout(timer));
}

module.exports = { Awaitable, within };
