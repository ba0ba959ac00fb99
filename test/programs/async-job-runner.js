// An async job runner in the ordinary style of Node.js code: a class with a concurrency limit, retries with exponential
// backoff, per-job timeouts via Promise.race, batches awaited with Promise.all, progress events and a summary.
'use strict';

const { EventEmitter } = require('events');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

class TimeoutError extends Error {
  constructor(name, ms) {
    super(`${name} timed out after ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

class JobRunner extends EventEmitter {
  #queue = [];
  #active = 0;
  #stats = { ok: 0, failed: 0, retries: 0, timeouts: 0 };

  constructor({ concurrency = 2, retries = 2, backoffMs = 10, timeoutMs = 200 } = {}) {
    super();
    this.options = { concurrency, retries, backoffMs, timeoutMs };
  }

  get stats() {
    return { ...this.#stats, active: this.#active, queued: this.#queue.length };
  }

  run(name, task) {
    return new Promise((resolve, reject) => {
      this.#queue.push({ name, task, resolve, reject });
      this.#pump();
    });
  }

  #pump() {
    while (this.#active < this.options.concurrency && this.#queue.length > 0) {
      const job = this.#queue.shift();
      this.#active++;
      this.#execute(job).finally(() => {
        this.#active--;
        this.#pump();
        if (this.#active === 0 && this.#queue.length === 0) this.emit('idle', this.stats);
      });
    }
  }

  async #execute({ name, task, resolve, reject }) {
    for (let attempt = 1; ; attempt++) {
      try {
        this.emit('start', name, attempt);
        const value = await this.#withTimeout(name, task(attempt));
        this.#stats.ok++;
        this.emit('done', name, value);
        resolve(value);
        return;
      } catch (err) {
        if (err instanceof TimeoutError) this.#stats.timeouts++;
        if (attempt > this.options.retries) {
          this.#stats.failed++;
          this.emit('failed', name, err);
          reject(err);
          return;
        }
        this.#stats.retries++;
        const wait = this.options.backoffMs * 2 ** (attempt - 1);
        this.emit('retry', name, attempt, wait, err.message);
        await sleep(wait);
      }
    }
  }

  #withTimeout(name, promise) {
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new TimeoutError(name, this.options.timeoutMs)), this.options.timeoutMs);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }
}

// Fake work: durations and failure patterns are fixed, so each job's own history is deterministic.
function fakeFetch(url, ms, failFirst = 0) {
  return async (attempt) => {
    if (ms === Infinity) await new Promise(() => {}); // a request that hangs forever: only the timeout ends it
    await sleep(ms);
    if (attempt <= failFirst) throw new Error(`${url}: HTTP 503`);
    return { url, bytes: url.length * 100 + attempt };
  };
}

const runner = new JobRunner({ concurrency: 2, retries: 2, backoffMs: 17, timeoutMs: 150 });
// Two jobs run at once, so the interleaving of their events depends on timing; each job's own history does not.
// Histories are kept per job and printed in job order when a batch ends.
const history = new Map();
const record = (name, line) => {
  if (!history.has(name)) history.set(name, []);
  history.get(name).push(line);
};
runner.on('start', (name, attempt) => record(name, `start#${attempt}`));
runner.on('done', (name, v) => record(name, `done ${v.bytes}B`));
runner.on('retry', (name, attempt, wait, msg) => record(name, `retry after ${wait} ms (${msg})`));
runner.on('failed', (name, err) => record(name, `failed ${err.name}: ${err.message}`));
let idleCount = 0;
runner.on('idle', (stats) => {
  idleCount++;
  console.log(`idle #${idleCount}: ${JSON.stringify(stats)}`);
});

function printHistories(names) {
  for (const name of names) console.log(`  ${name}: ${history.get(name).join(' -> ')}`);
}

async function main() {
  const names1 = ['users', 'orders', 'stock', 'prices'];
  const batch1 = await Promise.all([
    runner.run('users', fakeFetch('/api/users', 40)),
    runner.run('orders', fakeFetch('/api/orders', 90, 1)),
    runner.run('stock', fakeFetch('/api/stock', 31)),
    runner.run('prices', fakeFetch('/api/prices', 45, 2)),
  ]);
  console.log(`batch 1: ${batch1.map((r) => r.url).join(' ')}`);
  printHistories(names1);
  await sleep(25);
  const batch2 = await Promise.allSettled([
    runner.run('slow', fakeFetch('/api/slow', Infinity)), // hangs: always times out
    runner.run('flaky', fakeFetch('/api/flaky', 23, 5)), // fails every attempt
    runner.run('report', fakeFetch('/api/report', 97)),
  ]);
  console.log(`batch 2: ${batch2.map((r) => (r.status === 'fulfilled' ? r.value.url : r.reason.name)).join(' ')}`);
  printHistories(['slow', 'flaky', 'report']);
  const s = runner.stats;
  if (s.ok !== 5 || s.failed !== 2 || s.timeouts !== 3 || s.retries !== 7 || idleCount !== 2) throw new Error('wrong stats ' + JSON.stringify(s));
  const starts = [...history.values()].reduce((n, lines) => n + lines.filter((l) => l.startsWith('start')).length, 0);
  if (starts !== 14 || history.get('prices').length !== 6) throw new Error('wrong histories');
  console.log('ok');
}

main().catch((e) => {
  console.log(`main failed: ${e.stack}`);
  process.exitCode = 1;
});
