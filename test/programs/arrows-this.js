// Arrow functions capturing `this` and `arguments` of their enclosing function, kept across timer turns.
'use strict';

function Ticker(name, limit) {
  this.name = name;
  this.count = 0;
  this.limit = limit;
}
Ticker.prototype.run = function (done) {
  const step = () => {
    this.count++; // `this` is the Ticker, not the timer
    console.log(`${this.name} tick ${this.count}/${this.limit}`);
    if (this.count < this.limit) setTimeout(step, 35);
    else done(this);
  };
  setTimeout(step, 35);
};

const config = {
  label: 'cfg',
  makeReporter() {
    // The arrow sees makeReporter's `this` and `arguments`, even after the call returned.
    return (suffix) => `${this.label}/${arguments.length}/${Array.prototype.join.call(arguments, '+')}/${suffix}`;
  },
};
const reporter = config.makeReporter('a', 'b', 'c');

function outer() {
  const args = arguments;
  return () => () => (arguments === args ? `nested:${arguments[0]}:${this.tag}` : 'lost');
}
const nested = outer.call({ tag: 'T' }, 'first', 'second')();

const summer = (...nums) => nums.reduce((s, n) => s + n, 0);

let phase = 0;
function afterTicker(t) {
  phase++;
  config.label = 'cfg' + phase; // mutate the object the arrow's `this` refers to
  console.log(`${t.name} done: ${reporter('x' + phase)} ${nested()} sum=${summer(1, 2, 3, phase)}`);
  if (phase < 3) new Ticker('ticker' + phase, 3).run(afterTicker);
  else finish(t);
}

function finish(t) {
  if (!(t instanceof Ticker) || t.count !== 3) throw new Error('ticker state lost');
  if (reporter('end') !== 'cfg3/3/a+b+c/end') throw new Error('arrow lost this/arguments');
  console.log('ok');
}

new Ticker('ticker0', 4).run(afterTicker);
