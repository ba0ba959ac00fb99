'use strict';
// Class- and closure-heavy code, the way applications are written: a small entity system with
// an inheritance chain (super calls, getters/setters, static members, private fields), an
// event emitter whose listeners are closures, function composition and currying pipelines,
// memoisation through closures over Maps, and iterator objects built from closures.
// Checksum: totals accumulated by the listeners and pipelines.
const { benchSync } = require('./harness');

class Emitter {
  #listeners = new Map();
  on(type, fn) {
    let list = this.#listeners.get(type);
    if (!list) this.#listeners.set(type, (list = []));
    list.push(fn);
    return () => list.splice(list.indexOf(fn), 1);
  }
  emit(type, payload) {
    const list = this.#listeners.get(type);
    if (list) for (const fn of list) fn(payload, this);
  }
}

class Entity extends Emitter {
  static #nextId = 1;
  static created = 0;
  #id;
  constructor(name) {
    super();
    this.#id = Entity.#nextId++;
    this.name = name;
    Entity.created++;
  }
  get id() {
    return this.#id;
  }
  describe() {
    return `${this.constructor.name}#${this.#id}`;
  }
  update(dt) {
    this.emit('tick', dt);
  }
}

class Body extends Entity {
  #x = 0;
  #y = 0;
  constructor(name, vx, vy) {
    super(name);
    this.vx = vx;
    this.vy = vy;
  }
  get position() {
    return { x: this.#x, y: this.#y };
  }
  set position({ x, y }) {
    this.#x = x;
    this.#y = y;
  }
  update(dt) {
    this.#x += this.vx * dt;
    this.#y += this.vy * dt;
    super.update(dt);
  }
}

class Ship extends Body {
  #fuel;
  constructor(name, vx, vy, fuel) {
    super(name, vx, vy);
    this.#fuel = fuel;
  }
  get fuel() {
    return this.#fuel;
  }
  update(dt) {
    if (this.#fuel > 0) {
      this.#fuel -= dt;
      this.vx *= 1.001;
    }
    super.update(dt);
    if (this.#fuel <= 0 && this.#fuel > -dt) this.emit('empty', this);
  }
  describe() {
    return super.describe() + '(' + this.name + ')';
  }
}

// Closures: composition, currying, memoisation, counters, iterators.
const compose = (...fns) => (x) => fns.reduceRight((acc, f) => f(acc), x);
const curry = (f) => {
  const step = (args) => (a) => (args.length + 1 === f.length ? f(...args, a) : step([...args, a]));
  return step([]);
};
function memoize(f) {
  const cache = new Map();
  return function (n) {
    if (cache.has(n)) return cache.get(n);
    const v = f.call(this, n);
    cache.set(n, v);
    return v;
  };
}
function counter(start) {
  let n = start;
  return { next: () => ++n, reset: () => (n = start), get value() { return n; } };
}
function range(from, to, step) {
  let i = from;
  return {
    [Symbol.iterator]() {
      return this;
    },
    next() {
      if (i >= to) return { done: true, value: undefined };
      const value = i;
      i += step;
      return { done: false, value };
    },
  };
}

function world() {
  const ticks = counter(0);
  let distance = 0;
  let empties = 0;
  const bodies = [];
  for (let i = 0; i < 300; i++) {
    const b = i % 3 === 0 ? new Ship('s' + i, 1 + (i % 7), 2 - (i % 5), 5 + (i % 11)) : new Body('b' + i, (i % 9) - 4, (i % 4) - 2);
    const off = b.on('tick', (dt, self) => {
      ticks.next();
      const p = self.position;
      distance += Math.abs(p.x) + Math.abs(p.y) * dt;
    });
    if (b instanceof Ship) b.on('empty', () => empties++);
    if (i % 10 === 0) off(); // some listeners are removed again
    bodies.push(b);
  }
  for (let t = 0; t < 60; t++) for (const b of bodies) b.update(0.5);

  const add = curry((a, b, c) => a + b + c);
  const pipeline = compose((x) => x * 2, add(1)(2), (x) => x % 1000, Math.abs);
  let piped = 0;
  for (const x of range(-20000, 20000, 1)) piped += pipeline(x);

  const fib = memoize(function (n) {
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
  });
  let memo = 0;
  for (let r = 0; r < 200; r++) {
    const f = memoize((n) => (n < 2 ? n : f(n - 1) + f(n - 2)));
    memo += f(60) % 1000 + fib(70) % 1000;
  }
  const names = bodies.slice(0, 30).map((b) => b.describe().replace(/#\d+/, '#' + (b.id - bodies[0].id))).join(',');
  return [ticks.value, Math.round(distance), empties, piped, memo, names.length, Entity.created % 300].join('/');
}

benchSync('classes-closures', '16200/818936/4110/40200000/211000/275/0', world);
