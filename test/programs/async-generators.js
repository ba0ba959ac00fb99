// Async generators and for await: a paginated source read with for await across turns, an async pipeline of transforms,
// yield* over an async generator, for await over sync iterables of promises, and return() closing a suspended stream.
'use strict';

const sleep = (ms, v) => new Promise((r) => setTimeout(r, ms, v));

// A fake paginated API: each page arrives after a delay.
async function* pages(total, size) {
  for (let start = 0; start < total; start += size) {
    await sleep(18 + (start / size) * 3);
    yield Array.from({ length: Math.min(size, total - start) }, (_, i) => start + i);
  }
}

async function* flatten(source) {
  for await (const page of source) yield* page;
}

async function* mapAsync(source, fn) {
  for await (const item of source) yield await fn(item);
}

async function* take(source, n) {
  if (n <= 0) return;
  let i = 0;
  for await (const item of source) {
    yield item;
    if (++i >= n) return; // leaves the source suspended, then closes it
  }
}

async function* ticker(label) {
  let i = 0;
  try {
    for (;;) {
      await sleep(21);
      yield `${label}${i++}`;
    }
  } finally {
    ticker.closed = (ticker.closed || 0) + 1;
    console.log(`  ${label} closed after ${i}`);
  }
}

async function* both() {
  yield 'start';
  yield* take(ticker('t'), 3); // delegation to an async generator
  yield 'end';
}

async function main() {
  const squares = mapAsync(flatten(pages(17, 4)), async (n) => {
    if (n % 5 === 0) await sleep(11);
    return n * n;
  });
  let sum = 0;
  let count = 0;
  for await (const sq of squares) {
    sum += sq;
    count++;
    if (count % 3 === 0) console.log(`squares: ${count} items, sum ${sum}`);
  }
  console.log(`all squares: ${count} items, sum ${sum}`);
  if (sum !== 1496) throw new Error('sum wrong');

  const seen = [];
  for await (const v of both()) seen.push(v);
  console.log(`both: ${seen.join(' ')}`);

  const delayed = [sleep(40, 'a'), sleep(15, 'b'), 'c', sleep(25, 'd')];
  const ordered = [];
  for await (const v of delayed) ordered.push(v); // sync iterable of promises, awaited in order
  console.log(`ordered: ${ordered.join('')}`);

  const manual = ticker('m');
  const first = await manual.next();
  const second = await manual.next();
  await sleep(30); // held suspended while other work happens
  const closing = await manual.return('bye');
  const after = await manual.next();
  console.log(`manual: ${first.value} ${second.value} ${JSON.stringify(closing)} ${JSON.stringify(after)}`);

  let early = 0;
  for await (const v of ticker('b')) {
    if (v === 'b4') break;
    early++;
  }
  console.log(`break after ${early}, closed count ${ticker.closed}`);
  if (ticker.closed !== 3 || seen.length !== 5 || ordered.join('') !== 'abcd') throw new Error('async generator state wrong');
  if (Object.prototype.toString.call(manual) !== '[object AsyncGenerator]') throw new Error('not an async generator');
}

main().then(
  () => console.log('ok'),
  (e) => {
    console.log(`failed: ${e.message}`);
    process.exitCode = 1;
  },
);
