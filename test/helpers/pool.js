// A tiny concurrency limiter: at most `size` tasks run at once, the rest wait in FIFO order.
'use strict';

/**
 * @param {number} size
 * @returns {<T>(task: () => Promise<T>) => Promise<T>}
 */
function createPool(size) {
  let running = 0;
  const waiting = [];
  function next() {
    if (running >= size || waiting.length === 0) return;
    const { task, resolve, reject } = waiting.shift();
    running++;
    Promise.resolve()
      .then(task)
      .then(resolve, reject)
      .finally(() => {
        running--;
        next();
      });
  }
  return (task) =>
    new Promise((resolve, reject) => {
      waiting.push({ task, resolve, reject });
      next();
    });
}

module.exports = { createPool };
