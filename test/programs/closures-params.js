// Closures over parameters (plain, default, rest, destructured) and one counter shared by several closures.
'use strict';

function makeCounter(start, step) {
  let count = start;
  return {
    inc: () => (count += step),
    dec: () => (count -= step),
    get: () => count,
    reset() {
      count = start;
    },
  };
}

function makeAdder(x) {
  return function (y) {
    return x + y;
  };
}

function greeter(name, greeting = 'Hello') {
  return () => `${greeting}, ${name}!`;
}

function collector(label, ...items) {
  return (item) => {
    items.push(item);
    return `${label}[${items.join(',')}]`;
  };
}

function accumulate(n) {
  return () => ++n; // the parameter itself is the state
}

function span({ from, to }, [first, second] = [0, 0]) {
  return () => `${from}..${to} (${first}/${second})`;
}

const a = makeCounter(0, 1);
const b = makeCounter(100, 10); // an independent counter
const { inc, get } = a; // the same environment reached through detached closures
const add5 = makeAdder(5);
const hi = greeter('Ada');
const yo = greeter('Linus', 'Yo');
const bag = collector('bag', 'x');
const next = accumulate(41);
const range = span({ from: 1, to: 9 }, [7, 8]);

let turn = 0;
function play() {
  turn++;
  inc();
  a.inc();
  b.dec();
  if (turn === 5) a.reset();
  console.log(`turn ${turn}: a=${a.get()} via-detached=${get()} b=${b.get()} add5=${add5(turn)} ${hi()} ${yo()} ${bag(turn)} next=${next()} ${range()}`);
  if (turn < 10) setTimeout(play, 40);
  else finish();
}

function finish() {
  if (a.get() !== 10 || get() !== a.get()) throw new Error('shared counter broken');
  if (b.get() !== 0) throw new Error('independent counter broken');
  if (next() !== 52) throw new Error('parameter state lost');
  if (bag('end') !== 'bag[x,1,2,3,4,5,6,7,8,9,10,end]') throw new Error('rest parameter state lost');
  console.log('ok');
}

setTimeout(play, 40);
