// Classes: instance fields with initializers, static fields and static blocks, getters/setters, computed names, class expressions.
'use strict';

let nextId = 100;
const KEY = 'dyn' + 'amic';

class Counter {
  static created = 0;
  static registry = [];
  static defaults;
  static {
    // a static block sees the class binding and its static fields
    Counter.defaults = { step: 1, label: 'counter' };
    Counter.blockRan = (Counter.blockRan || 0) + 1;
  }
  id = nextId++;
  count = 0;
  history = [];
  step;
  [KEY] = 'computed field';
  label = `${Counter.defaults.label}-${this.id}`;
  onTick = () => this.tick(); // an arrow field closes over the instance

  constructor(step = Counter.defaults.step) {
    this.step = step;
    Counter.created++;
    Counter.registry.push(this);
  }
  tick() {
    this.count += this.step;
    this.history.push(this.count);
    return this;
  }
  get doubled() {
    return this.count * 2;
  }
  set doubled(v) {
    this.count = v / 2;
    this.history.push(`set ${v}`);
  }
  static get total() {
    return Counter.registry.reduce((sum, c) => sum + c.count, 0);
  }
  static byId(id) {
    return Counter.registry.find((c) => c.id === id);
  }
  ['method' + KEY]() {
    return `${this[KEY]} on ${this.label}`;
  }
  toString() {
    return `${this.label}:${this.count}`;
  }
}

const Tagged = class NamedExpr extends Counter {
  tag = 'T';
  static kind = 'tagged';
  static {
    this.kindUpper = this.kind.toUpperCase(); // `this` in a static block is the class
  }
  toString() {
    return `${this.tag}<${super.toString()}>`;
  }
};

const a = new Counter();
const b = new Counter(5);
const c = new Tagged(3);
const ticker = a.onTick; // detached arrow field, still bound to `a`
let turn = 0;

function step() {
  turn++;
  ticker();
  b.tick();
  if (turn % 3 === 0) c.tick();
  if (turn === 5) b.doubled = 100;
  console.log(`turn ${turn}: ${Counter.registry.map(String).join(' ')} total=${Counter.total} doubled(b)=${b.doubled} ${c.methoddynamic()}`);
  if (turn < 14) setTimeout(step, 25 + (turn % 4) * 5);
  else finish();
}

function finish() {
  if (Counter.created !== 3 || Counter.blockRan !== 1) throw new Error('static state lost or static block re-run');
  if (Counter.byId(101) !== b || !(c instanceof Counter) || Tagged.name !== 'NamedExpr') throw new Error('class identity lost');
  if (Object.getPrototypeOf(Tagged) !== Counter || Tagged.created !== 3) throw new Error('static inheritance broken');
  if (Tagged.kindUpper !== 'TAGGED' || Counter.kind !== undefined) throw new Error('static block of subclass wrong');
  if (a.count !== 14 || b.history[5] !== 'set 100' || c.count !== 12) throw new Error('instance state wrong: ' + [a.count, b.history[5], c.count]);
  const desc = Object.getOwnPropertyDescriptor(Counter.prototype, 'doubled');
  if (typeof desc.get !== 'function' || typeof desc.set !== 'function' || desc.enumerable) throw new Error('accessor descriptor lost');
  if (Object.keys(a).join() !== 'id,count,history,step,dynamic,label,onTick') throw new Error('field order lost: ' + Object.keys(a));
  if (Object.getOwnPropertyNames(Counter.prototype).join() !== 'constructor,tick,doubled,methoddynamic,toString') throw new Error('method order: ' + Object.getOwnPropertyNames(Counter.prototype));
  let threw = false;
  try {
    Counter();
  } catch (e) {
    threw = e instanceof TypeError;
  }
  if (!threw) throw new Error('a class must not be callable without new');
  const d = new Tagged(1);
  if (d.id !== 103 || Counter.created !== 4) throw new Error('new instance after restore wrong');
  console.log(`new after cut: ${d} ${Counter.total}`);
  console.log('ok');
}

console.log(`start ${a} ${b} ${c} ${Tagged.kindUpper}`);
setTimeout(step, 25);
