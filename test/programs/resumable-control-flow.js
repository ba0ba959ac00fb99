// Control flow around suspensions, kept across turns: switch with awaits in tests and bodies (fall-through, break,
// continue to an outer loop), optional chains on awaited values, break and continue out of try/finally in generators
// and async functions, and loops left early closing the iterators they were reading.
'use strict';

const sleep = (ms, v) => new Promise((resolve) => setTimeout(resolve, ms, v));
const log = [];

async function classify(codes) {
  const out = [];
  outer: for (let i = 0; i < codes.length; i++) {
    switch (codes[i]) {
      case 'a': {
        const v = await sleep(12, 'A');
        out.push(v);
        break;
      }
      case await sleep(9, 'b'):
        out.push('B'); // falls through
      case 'c':
        out.push('C');
        await sleep(7);
        continue outer;
      case 'stop':
        break outer;
      default:
        out.push(`?${(await sleep(5, { code: codes[i] }))?.code ?? 'none'}`);
    }
    out.push('|');
  }
  return out.join('');
}

function* numbers(label) {
  try {
    for (let i = 0; ; i++) yield i;
  } finally {
    log.push(`${label} closed`); // runs when a for-of leaves early
  }
}

function* withCleanup() {
  let tries = 0;
  for (;;) {
    try {
      tries++;
      if (tries === 2) continue; // through the finally, back to the loop
      yield `try ${tries}`;
      if (tries >= 3) break; // through the finally, out of the loop
    } finally {
      log.push(`finally ${tries}`);
    }
  }
  return `tries ${tries}`;
}

async function firstBig(limit) {
  for (const n of numbers('numbers')) {
    await sleep(6);
    if (n * n > limit) return n; // closes the generator
  }
  return -1;
}

async function* chunks() {
  try {
    for (let i = 0; i < 100; i++) {
      await sleep(8);
      yield [i, i * 2];
    }
  } finally {
    log.push('chunks closed');
  }
}

async function sumUntil(max) {
  let total = 0;
  try {
    for await (const [a, b] of chunks()) {
      total += a + b;
      if (total > max) break; // closes the async generator
    }
  } finally {
    log.push(`sum done at ${total}`);
  }
  return total;
}

async function main() {
  const results = [];
  results.push(await classify(['a', 'b', 'c', 'x', 'a', 'stop', 'a']));
  results.push(await classify(['x', 'b']));
  const g = withCleanup();
  for (let r = g.next(); ; r = g.next()) {
    await sleep(10);
    results.push(r.value);
    if (r.done) break;
  }
  results.push(`first big ${await firstBig(40)}`);
  results.push(`sum ${await sumUntil(30)}`);
  for (const line of results) console.log(line);
  console.log(log.join('; '));
  if (results.length !== 7 || !log.includes('numbers closed') || !log.includes('chunks closed')) throw new Error('control flow lost');
  console.log('ok');
}

main();
