// Functions as values: properties on functions, name/length, identity, composition, an IIFE module, call/apply, memoization.
'use strict';

const counterModule = (function () {
  let count = 0; // private to the IIFE
  function increment() {
    count++;
    return count;
  }
  return { increment, peek: () => count };
})();

function memoize(fn) {
  const cache = {};
  function memoized(n) {
    memoized.calls++;
    if (!(n in cache)) {
      memoized.misses++;
      cache[n] = fn(n);
    }
    return cache[n];
  }
  memoized.calls = 0;
  memoized.misses = 0;
  return memoized;
}

const slowSquare = (n) => n * n;
const fastSquare = memoize(slowSquare);
const compose = (...fns) => (x) => fns.reduceRight((acc, f) => f(acc), x);
const inc = (x) => x + 1;
const twice = function (x) {
  return x * 2;
};
const pipeline = compose(inc, twice, fastSquare); // inc(twice(square(x)))
const handlers = { inc, twice, pipeline };
const sameFnTwice = [inc, inc, handlers.inc];

function describe(fn) {
  return `${fn.name || '(anonymous)'}/${fn.length}`;
}
function greet(greeting) {
  return `${greeting}, ${this.name}`;
}
const person = { name: 'Grace' };

let turn = 0;
function step() {
  turn++;
  const n = turn % 4;
  console.log(`turn ${turn}: module=${counterModule.increment()} pipeline(${n})=${pipeline(n)} memo=${fastSquare.calls}/${fastSquare.misses} names=${[inc, twice, fastSquare, pipeline, step, counterModule.peek].map(describe).join(',')} ${greet.call(person, 'Hi')} ${greet.apply({ name: 'Ada' }, ['Hey'])}`);
  if (turn < 9) setTimeout(step, 40);
  else finish();
}

function finish() {
  if (sameFnTwice[0] !== sameFnTwice[1] || sameFnTwice[1] !== sameFnTwice[2]) throw new Error('function identity lost');
  if (fastSquare.misses !== 4 || fastSquare.calls !== 9) throw new Error('properties on a function lost');
  if (counterModule.peek() !== 9) throw new Error('IIFE state lost');
  if (typeof handlers.pipeline !== 'function' || pipeline(3) !== 19) throw new Error('composed function broken');
  console.log('ok');
}

setTimeout(step, 40);
