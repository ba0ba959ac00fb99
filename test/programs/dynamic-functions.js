// Functions made at run time with new Function / Function, held and called across turns: compiled formulas kept in a
// table, a function with its own properties, one that counts its calls through a global, `this` in a sloppy one,
// and a function made from a function made at run time.
'use strict';

const formulas = {
  area: new Function('w', 'h', 'return w * h;'),
  hyp: Function('a', 'b', 'return Math.sqrt(a * a + b * b);'),
  avg: new Function('...xs', 'return xs.reduce((s, x) => s + x, 0) / xs.length;'),
};
const getGlobal = Function('return this'); // sloppy: `this` is the global object
globalThis.calls = 0;
const counted = new Function('x', 'globalThis.calls++; return x * 2;');
counted.label = 'doubler';
const maker = new Function('k', 'return new Function("x", "return x + " + JSON.stringify(k));');
const adders = [maker(1), maker(10)];
const same = [new Function('return 1'), new Function('return 1')];

let turn = 0;
function step() {
  turn++;
  const line = [
    formulas.area(turn, 3),
    formulas.hyp(3 * turn, 4 * turn).toFixed(1),
    formulas.avg(1, turn, 10),
    counted(turn),
    adders.map((f) => f(turn)).join('/'),
    getGlobal() === globalThis,
  ];
  console.log(`turn ${turn}: ${line.join(' ')} calls=${globalThis.calls} ${counted.label} ${formulas.area.name}/${formulas.area.length}`);
  if (turn < 8) setTimeout(step, 30);
  else {
    if (same[0] === same[1] || same[0]() !== 1 || !(counted instanceof Function) || counted.constructor !== Function) throw new Error('identity lost');
    let threw = false;
    try {
      new Function('return (');
    } catch (e) {
      threw = e instanceof SyntaxError;
    }
    if (!threw) throw new Error('syntax errors must stay SyntaxErrors');
    console.log('ok');
  }
}
setTimeout(step, 30);
