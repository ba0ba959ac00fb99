// Closures over loop variables: for (let …) per-iteration bindings, for…of / for…in with let/const, var loops, timers made in loops.
'use strict';

const squares = [];
for (let i = 0; i < 5; i++) squares.push(() => i * i);

const bumpers = [];
for (let i = 0; i < 3; i++) bumpers.push(() => ++i); // each closure owns and mutates its own i

const sharedVar = [];
for (var j = 0; j < 3; j++) sharedVar.push(() => j); // all share one j, which ends at 3

const shouters = [];
for (const name of ['ann', 'bob', 'cy']) shouters.push(() => name.toUpperCase());

const doublers = [];
for (let key in { a: 1, bb: 2, ccc: 3 }) doublers.push(() => key + key);

const pairs = [];
for (const [k, v] of [['x', 1], ['y', 2]]) pairs.push(() => `${k}=${v}`);

const whiles = [];
let w = 0;
while (w < 3) {
  const captured = w * 7;
  whiles.push(() => captured);
  w++;
}

const fired = [];
for (let t = 0; t < 4; t++) {
  setTimeout(() => {
    fired.push(t);
    console.log(`loop timer ${t} fired, squares[${t}]=${squares[t]()}`);
  }, 30 + t * 30); // distinct due times, all before the first report
}

let rounds = 0;
function report() {
  rounds++;
  const bumped = bumpers.map((f) => f());
  console.log(`round ${rounds}: squares=${squares.map((f) => f())} bumped=${bumped} var=${sharedVar.map((f) => f())} of=${shouters.map((f) => f())} in=${doublers.map((f) => f())} pairs=${pairs.map((f) => f())} while=${whiles.map((f) => f())}`);
  if (rounds < 6) setTimeout(report, 60);
  else finish();
}

function finish() {
  if (bumpers.map((f) => f()).join() !== '7,8,9') throw new Error('per-iteration bindings are not independent');
  if (sharedVar.some((f) => f() !== 3)) throw new Error('var loop binding should be shared');
  if (fired.join() !== '0,1,2,3') throw new Error('loop timers missing: ' + fired);
  console.log('ok');
}

setTimeout(report, 250);
