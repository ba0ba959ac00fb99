// Async functions suspended at await across turns: sequential awaits on timers, try/catch around rejected awaits, loops with await,
// nested async calls, awaiting non-promises and thenables, results delivered to a waiting caller.
'use strict';

const sleep = (ms, value) => new Promise((resolve) => setTimeout(resolve, ms, value));
const fail = (ms, message) => new Promise((_, reject) => setTimeout(() => reject(new Error(message)), ms));
const log = [];
function say(line) {
  log.push(line);
  console.log(line);
}

async function fetchRecord(id) {
  const delay = 20 + id * 7;
  await sleep(delay);
  if (id % 4 === 0) throw new RangeError(`record ${id} missing`);
  return { id, name: `item-${id}`, delay };
}

async function loadAll(ids) {
  const out = [];
  for (const id of ids) {
    try {
      const rec = await fetchRecord(id); // suspended here once per id, locals kept
      out.push(rec.name);
      say(`  loaded ${rec.name} after ${rec.delay} ms (so far ${out.length})`);
    } catch (e) {
      say(`  skipped: ${e.constructor.name} ${e.message}`);
    }
  }
  return out;
}

async function countdown(from) {
  let n = from;
  while (n > 0) {
    n = await sleep(35, n - 1); // the awaited value comes back through the timer argument
    say(`  countdown ${n}`);
  }
  return 'liftoff';
}

async function withThenable() {
  const plain = await 42; // a non-promise
  const thenable = await { then: (resolve) => setTimeout(() => resolve(plain + 1), 25) };
  let caught = null;
  try {
    await fail(30, 'expected failure');
  } catch (e) {
    caught = e.message;
  } finally {
    say(`  finally after ${caught}`);
  }
  return [plain, thenable, caught];
}

async function main() {
  say('main start');
  const names = await loadAll([1, 2, 3, 4, 5, 6]);
  say(`names ${names.join(',')}`);
  const launched = await countdown(5);
  say(`countdown said ${launched}`);
  const t = await withThenable();
  say(`thenable ${JSON.stringify(t)}`);
  const arrow = async (x) => (await sleep(20, x)) * 2;
  const results = [];
  for (let i = 1; i <= 4; i++) results.push(await arrow(i));
  say(`arrow results ${results}`);
  const obj = {
    base: 7,
    async method(k) {
      await sleep(22);
      return this.base * k;
    },
  };
  say(`method result ${await obj.method(6)}`);
  return log.length;
}

const running = main();
say(`main returned a promise: ${running instanceof Promise}`);
running.then(
  (n) => {
    if (n !== 19) throw new Error(`wrong number of log lines: ${n}`);
    if (log[2] !== '  loaded item-1 after 27 ms (so far 1)' || log[5] !== '  skipped: RangeError record 4 missing') throw new Error('order wrong');
    console.log('ok');
  },
  (e) => {
    console.log(`main failed: ${e.stack}`);
    process.exitCode = 1;
  },
);
