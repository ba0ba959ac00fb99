// Every way of writing to a variable that closures capture: compound, logical, destructuring, loop heads, ++/--, shorthand reads.
'use strict';

let a = 1;
let b = 2;
let text = '';
let maybe = null;
let flag = 0;
let item;
let key;
let obj = { x: 0 };
const readAll = () => ({ a, b, text, maybe, flag, item, key, obj }); // shorthand properties read captured bindings

function useBeforeDeclaration() {
  const peek = () => hoistedVar; // captured before its var statement runs
  var hoistedVar = 'assigned later';
  return peek;
}
const peek = useBeforeDeclaration();

{
  function blockScoped() {
    // A function declared in a block (block-scoped in strict mode) that closes over outer bindings.
    return a + b;
  }
  var sumAB = blockScoped;
}

function isEven(n) {
  return n === 0 ? true : isOdd(n - 1);
}
function isOdd(n) {
  return n === 0 ? false : isEven(n - 1);
}

let turn = 0;
function step() {
  turn++;
  a += 2;
  b *= 2;
  [a, b] = [b, a]; // destructuring swap
  ({ x: obj.x, y: text = text + turn } = { x: turn * 10 }); // destructuring into a member and a default
  maybe ??= 'set once';
  flag ||= turn;
  flag &&= flag + 1;
  a **= 1;
  b--;
  ++b;
  for (item of ['p', 'q', 'r' + turn]); // loop heads assigning outer bindings
  for (key in { first: 1, last: 2 });
  const snapshot = readAll();
  console.log(`turn ${turn}: ${JSON.stringify(snapshot)} sum=${sumAB()} peek=${peek()} even=${isEven(turn)} typeof=${typeof maybe}`);
  if (turn < 8) setTimeout(step, 40);
  else finish();
}

function finish() {
  if (item !== 'r8' || key !== 'last' || obj.x !== 80 || text !== '12345678') throw new Error('loop-head or destructuring writes lost');
  if (maybe !== 'set once' || flag !== 9) throw new Error('logical assignments wrong');
  console.log('ok');
}

setTimeout(step, 40);
