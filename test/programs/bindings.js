// var/let/const, hoisting, TDZ, block shadowing, const immutability and function declarations vs expressions across turns.
'use strict';

var total = 0;
let phase = 'start';
const limits = { rounds: 8 };

hoisted(); // a function declaration is usable before its line
function hoisted() {
  total += 100;
}

const square = function (x) {
  return x * x;
};
const fact = function f(n) {
  return n <= 1 ? 1 : n * f(n - 1); // a named function expression refers to itself
};

let describeBlock;
{
  let phase = 'block'; // shadows the outer phase
  const hidden = 42;
  describeBlock = () => `${phase}:${hidden}`;
}

function readLate() {
  return lateLet;
}
let sawTdz = false;
try {
  readLate();
} catch (e) {
  sawTdz = e instanceof ReferenceError;
}
let lateLet = 'initialised';

var redeclared = 1;
var redeclared = 2; // eslint-disable-line no-redeclare

let round = 0;
let uninitialised;

function tick() {
  round++;
  var local = round * 10; // function-scoped, fresh per call
  if (round % 2 === 0) {
    let local = square(round); // block-scoped shadow of the var
    total += local;
  } else {
    total += local;
  }
  phase = 'round' + round;
  let constError = 'none';
  try {
    limits = null; // eslint-disable-line no-const-assign
  } catch (e) {
    constError = e instanceof TypeError ? 'TypeError' : 'other';
  }
  console.log(`${phase} total=${total} block=${describeBlock()} fact=${fact(round)} late=${readLate()} const=${constError} redeclared=${redeclared} uninit=${typeof uninitialised}`);
  if (round < limits.rounds) setTimeout(tick, 50);
  else finish();
}

function finish() {
  if (!sawTdz) throw new Error('expected a TDZ ReferenceError');
  if (phase !== 'round8' || describeBlock() !== 'block:42') throw new Error('shadowing broken');
  if (total !== 100 + 10 + 4 + 30 + 16 + 50 + 36 + 70 + 64) throw new Error('bad total ' + total);
  if (typeof notDeclaredAnywhere !== 'undefined') throw new Error('typeof undeclared');
  console.log('ok');
}

console.log(`begin total=${total} phase=${phase} tdz=${sawTdz} late=${lateLet}`);
setTimeout(tick, 50);
