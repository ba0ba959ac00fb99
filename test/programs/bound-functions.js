// Bound functions across turns: bound methods as callbacks, partial application (bound arguments), binding a bound function,
// bound class constructors with new, name/length, bound functions as Map keys and timer callbacks.
'use strict';

class Greeter {
  constructor(greeting) {
    this.greeting = greeting;
    this.calls = 0;
  }
  greet(name, punctuation = '!') {
    this.calls++;
    return `${this.greeting}, ${name}${punctuation}`;
  }
}

function add(a, b, c) {
  return a + b + c;
}
function describe(prefix, suffix) {
  return `${prefix}${this.label}${suffix}`;
}
function Vec(x, y) {
  this.x = x;
  this.y = y;
}

const hello = new Greeter('Hello');
const hola = new Greeter('Hola');
const greetHello = hello.greet.bind(hello);
const greetHolaAda = hola.greet.bind(hola, 'Ada');
const add10 = add.bind(null, 10);
const add10and5 = add10.bind(null, 5); // bound twice: the first binding's target and args stay
const rebound = greetHello.bind(hola); // cannot change `this` of a bound function
const labelled = describe.bind({ label: 'box' }, '[');
const VecAt1 = Vec.bind(null, 1); // a bound constructor
const objArgs = { list: [1, 2] };
const withObjectArg = function (o, extra) {
  o.list.push(extra);
  return o.list.length;
}.bind(null, objArgs);
const handlers = new Map([[greetHello, 'hello handler'], [add10, 'adder']]);
const log = [];
let turn = 0;

function step() {
  turn++;
  log.push(greetHello(`user${turn}`));
  log.push(greetHolaAda(turn % 2 ? '?' : undefined));
  log.push(rebound(`r${turn}`));
  const v = new VecAt1(turn);
  console.log(`turn ${turn}: ${log.slice(-3).join(' | ')} | add ${add10and5(turn)} | ${labelled(']')} | vec ${v.x},${v.y} ${v instanceof Vec} | list ${withObjectArg(turn)}`);
  if (turn < 12) setTimeout(step, 30);
  else setTimeout(finish, 30, 'finished by a bound timer callback'.length);
}

function finish(n) {
  if (hello.calls !== 24 || hola.calls !== 12) throw new Error('bound `this` wrong: ' + hello.calls + ' ' + hola.calls);
  const names = [greetHello, greetHolaAda, add10, add10and5, rebound, labelled, VecAt1].map((f) => `${f.name}/${f.length}`).join(' ');
  if (names !== 'bound greet/1 bound greet/0 bound add/2 bound bound add/1 bound bound greet/1 bound describe/1 bound Vec/1') throw new Error('name/length wrong: ' + names);
  if (handlers.get(greetHello) !== 'hello handler' || handlers.get(hello.greet.bind(hello)) !== undefined) throw new Error('bound identity lost');
  if ('prototype' in greetHello || objArgs.list.length !== 14) throw new Error('bound function shape wrong');
  console.log(`names ${names}; ${n}`);
  console.log('ok');
}

setTimeout(step, 30);
