// Generators suspended mid-iteration across turns: yield*, values sent in with next(v), return()/throw(), try/finally, infinite sequences.
'use strict';

function* range(from, to, step = 1) {
  for (let i = from; i < to; i += step) yield i;
}

function* fibonacci() {
  let [a, b] = [0n, 1n];
  for (;;) {
    yield a;
    [a, b] = [b, a + b];
  }
}

function* inner(label) {
  const got = yield `${label}:first`;
  yield `${label}:got ${got}`;
  return `${label}:done`;
}

function* outer() {
  const r1 = yield* inner('A'); // delegation keeps the inner generator suspended inside the outer one
  yield `outer saw ${r1}`;
  yield* range(10, 13);
  const r2 = yield* inner('B');
  yield `outer saw ${r2}`;
  yield* ['x', 'y'];
}

function* accumulator() {
  let total = 0;
  const log = [];
  try {
    for (;;) {
      try {
        const n = yield total;
        total += n;
        log.push(n);
      } catch (e) {
        log.push(`caught ${e.message}`);
        total = 0;
      }
    }
  } finally {
    log.push('finally ran');
    accumulator.lastLog = log.join(',');
  }
}

const fib = fibonacci();
const delegating = outer();
const acc = accumulator();
acc.next(); // prime it
const squares = (function* () {
  for (const n of range(1, 100)) yield n * n;
})();
const seen = [];
let turn = 0;

function step() {
  turn++;
  const f = fib.next().value;
  const d = delegating.next(`v${turn}`);
  let a;
  if (turn === 6) a = acc.throw(new Error('reset'));
  else a = acc.next(turn * 10);
  const sq = squares.next().value;
  seen.push(d.value);
  console.log(`turn ${turn}: fib=${f} outer=${JSON.stringify(d)} acc=${a.value} square=${sq}`);
  if (turn < 16) setTimeout(step, 30);
  else finish();
}

function finish() {
  const closed = acc.return('closed');
  if (closed.value !== 'closed' || !closed.done || accumulator.lastLog !== '10,20,30,40,50,caught reset,70,80,90,100,110,120,130,140,150,160,finally ran') throw new Error('accumulator wrong: ' + accumulator.lastLog);
  if (acc.next(1).done !== true) throw new Error('a returned generator must stay done');
  const expected = ['A:first', 'A:got v2', 'outer saw A:done', 10, 11, 12, 'B:first', 'B:got v8', 'outer saw B:done', 'x', 'y', undefined, undefined, undefined, undefined, undefined];
  if (JSON.stringify(seen) !== JSON.stringify(expected)) throw new Error('delegation order wrong: ' + JSON.stringify(seen));
  const rest = [...squares].length;
  if (rest !== 99 - 16) throw new Error('squares generator lost its place: ' + rest);
  const next10 = Array.from({ length: 10 }, () => fib.next().value).join(' ');
  console.log(`fib continues: ${next10}`);
  if (Object.prototype.toString.call(fib) !== '[object Generator]' || typeof fib[Symbol.iterator] !== 'function') throw new Error('not a generator object');
  console.log('ok');
}

setTimeout(step, 30);
