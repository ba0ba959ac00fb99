// Subclasses of built-ins: a custom Error hierarchy, an Array subclass (species, length), a Map subclass with defaults.
'use strict';

class AppError extends Error {
  constructor(message, code, options) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
  }
  get summary() {
    return `${this.name}[${this.code}]: ${this.message}`;
  }
}
class NotFound extends AppError {
  constructor(what) {
    super(`${what} not found`, 'E_NOT_FOUND');
    this.name = 'NotFound';
    this.what = what;
  }
}

class Stack extends Array {
  peek() {
    return this[this.length - 1];
  }
  sum() {
    return this.reduce((a, b) => a + b, 0);
  }
}

class DefaultMap extends Map {
  constructor(make, entries) {
    super(entries);
    this.make = make;
    this.misses = 0;
  }
  get(key) {
    if (!this.has(key)) {
      this.misses++;
      this.set(key, this.make(key));
    }
    return super.get(key);
  }
}

const errors = [];
const heads = [];
const stack = new Stack();
const groups = new DefaultMap(() => [], [['seed', ['x']]]);
const words = 'alpha beta gamma delta alpha epsilon beta zeta alpha eta theta gamma'.split(' ');
let turn = 0;

function step() {
  turn++;
  const w = words[turn - 1];
  stack.push(w.length);
  groups.get(w[0]).push(w);
  if (turn % 4 === 0) {
    const e = turn % 8 === 0 ? new NotFound(w) : new AppError(`bad ${w}`, 'E_BAD', { cause: new RangeError(`turn ${turn}`) });
    errors.push(e);
    heads.push(e.stack.split('\n')[0]); // reading stack formats it now, with the final name
  }
  const evens = stack.filter((n) => n % 2 === 0); // species: a Stack too
  console.log(`turn ${turn}: stack=${stack.join(',')} peek=${stack.peek()} evens=${evens.constructor.name}:${evens.sum()} groups=${[...groups.keys()].join('')} misses=${groups.misses} errors=${errors.map((e) => e.summary).join('; ')}`);
  if (turn < words.length) setTimeout(step, 30);
  else finish();
}

function finish() {
  if (!(stack instanceof Stack) || !Array.isArray(stack) || stack.length !== 12) throw new Error('array subclass lost');
  stack.length = 3; // the exotic length must still truncate
  if (stack.join() !== '5,4,5' || stack[5] !== undefined) throw new Error('array length is not exotic: ' + stack.join());
  stack[9] = 1;
  if (stack.length !== 10) throw new Error('array length does not grow');
  if (!(groups instanceof Map) || groups.get('a').length !== 3 || groups.size !== 8) throw new Error('map subclass lost: ' + groups.size);
  if (Map.prototype.get.call(groups, 'q') !== undefined || groups.misses !== 7) throw new Error('map internals wrong');
  for (const [i, e] of errors.entries()) {
    if (!(e instanceof Error) || !(e instanceof AppError)) throw new Error('error subclass lost');
    if (!e.stack.startsWith(`${heads[i]}\n    at `) || heads[i] !== `${e.name}: ${e.message}`) throw new Error('stack lost: ' + e.stack.split('\n')[0]);
    if (Object.prototype.toString.call(e) !== '[object Error]') throw new Error('not a real Error object');
  }
  if (!(errors[0].cause instanceof RangeError) || errors[0].cause.message !== 'turn 4') throw new Error('cause lost');
  if (!(errors[1] instanceof NotFound) || errors[1].what !== 'zeta') throw new Error('NotFound lost');
  console.log(`stack heads: ${heads.join(' | ')}`);
  console.log(`final ${stack.length} ${errors.map((e) => e.toString()).join(' | ')}`);
  console.log('ok');
}

setTimeout(step, 30);
