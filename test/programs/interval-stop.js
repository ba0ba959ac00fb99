// Intervals that stop themselves: by handle, by `this` inside the callback, and a fast 1 ms interval with many ticks.
'use strict';

const summary = [];

function first() {
  let n = 0;
  const handle = setInterval(() => {
    n++;
    console.log(`slow interval tick ${n}`);
    if (n === 4) {
      clearInterval(handle);
      summary.push('slow:' + n);
      second();
    }
  }, 50);
}

function second() {
  const state = { n: 0 };
  setInterval(function () {
    state.n++;
    console.log(`self-referencing interval tick ${state.n}`);
    if (state.n === 3) {
      clearInterval(this); // in Node, `this` is the interval's Timeout object
      summary.push('this:' + state.n);
      third();
    }
  }, 35);
}

function third() {
  let n = 0;
  let total = 0;
  const fast = setInterval(() => {
    n++;
    total += n;
    if (n % 25 === 0) console.log(`fast interval tick ${n}, running total ${total}`);
    if (n === 150) {
      clearInterval(fast);
      summary.push('fast:' + total);
      setTimeout(finish, 20);
    }
  }, 0); // clamped to 1 ms
}

function finish() {
  if (summary.join() !== 'slow:4,this:3,fast:11325') throw new Error('bad summary ' + summary);
  console.log('ok');
}

first();
