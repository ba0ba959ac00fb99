// Temporal dead zone through closures: a let/const read by a function that can be reached
// before the declaration runs throws; read by one that can only run after, it does not
// (the instrumenter leaves out the check there). Then the closures keep working across turns.
'use strict';

const seen = [];
function attempt(label, fn) {
  try {
    seen.push(`${label}:${fn()}`);
  } catch (e) {
    seen.push(`${label}:${e instanceof ReferenceError ? 'TDZ' : e.message}`);
  }
}

// Called directly, and through another declaration, before the const.
attempt('direct', () => readA());
attempt('chained', () => callsReadA());
// Escapes as a value (a callback) before the const.
const early = [readB];
attempt('escaped', () => early[0]());
// Mutual recursion, entered before the const.
attempt('cycle', () => ping(3));
// An arrow made before the const, called before it.
const arrowEarly = () => C;
attempt('arrow', arrowEarly);
// A declarator's function handed to a caller before its own binding is set.
function callNow(f) {
  return f();
}
attempt('declarator', () => {
  const selfish = callNow(() => typeof selfish);
  return selfish;
});
// A var holding an arrow, called before the const it reads.
var viaVar = () => D;
attempt('var', viaVar);

const A = 'a';
const B = 'b';
const C = 'c';
const D = 'd';
function readA() {
  return A;
}
function callsReadA() {
  return readA();
}
function readB() {
  return B;
}
function ping(n) {
  return n === 0 ? C : pong(n - 1);
}
function pong(n) {
  return ping(n);
}

// In a function scope: a nested declaration called before and after the let.
function inner(callFirst) {
  if (callFirst) attempt('inner-before', () => get());
  let value = 'inner';
  function get() {
    return value;
  }
  return get();
}
// In a block: the declaration is created at the block's start.
{
  attempt('block', () => late());
  function late() {
    return E;
  }
}
const E = 'e';
// In a switch, a jump past the declaration.
function viaSwitch(k) {
  switch (k) {
    case 0:
      let S = 's';
    // falls through
    case 1:
      return show();
    default:
      function show() {
        return S;
      }
  }
}
attempt('switch-0', () => viaSwitch(0));
attempt('switch-1', () => viaSwitch(1));
function closureInSwitch(k) {
  switch (k) {
    case 0:
      let T = 't';
    // falls through
    case 1:
      return () => T;
  }
}
attempt('switch-arrow-0', () => closureInSwitch(0)());
attempt('switch-arrow-1', () => closureInSwitch(1)());
// Only referenced after the declaration: no TDZ.
const fib = (n) => (n < 2 ? n : fib(n - 1) + fib(n - 2));
const counter = (() => {
  let n = 0;
  return () => ++n;
})();
function after() {
  return `${A}${B}${C}${D}${E}${inner(false)}${fib(10)}`;
}
attempt('inner', () => inner(true));

let turn = 0;
function tick() {
  turn++;
  attempt(`turn${turn}`, () => `${after()}/${readA()}${readB()}${ping(2)}${arrowEarly()}${viaVar()}/${counter()}`);
  console.log(seen.splice(0).join(' '));
  if (turn < 5) setTimeout(tick, 20);
  else console.log('ok');
}
console.log(seen.splice(0).join(' '));
setTimeout(tick, 20);
