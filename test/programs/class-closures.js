// Closures made inside class bodies, kept across turns: arrows and callbacks that use the class's private names and
// super, async and generator methods (private ones too) suspended mid-body, a class that refers to itself by name from
// a closure, and an anonymous class expression with async methods.
'use strict';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

class Counter {
  static #instances = 0;
  #count = 0;
  #history = [];
  constructor(label) {
    this.label = label;
    Counter.#instances++;
    this.onTick = () => this.#bump(1); // an arrow over a private method, stored on the instance
    this.factory = () => new Counter(`${label}'`); // refers to its own class by name
  }
  #bump(n) {
    this.#count += n;
    this.#history.push(this.#count);
    return this.#count;
  }
  get count() {
    return this.#count;
  }
  static get instances() {
    return Counter.#instances;
  }
  // An async private method suspended across turns; its arrows read private state later.
  async #slowAdd(n, ms) {
    for (let i = 0; i < n; i++) {
      await sleep(ms);
      this.#bump(1);
    }
    return () => `${this.label}:${this.#history.join(',')}`;
  }
  async addSlowly(n, ms) {
    const report = await this.#slowAdd(n, ms);
    return report();
  }
  *entries() {
    for (const h of this.#history) yield `${this.label}#${h}`;
  }
  has(o) {
    return #count in o;
  }
}

class Loud extends Counter {
  #suffix;
  constructor(label, suffix) {
    super(label);
    this.#suffix = suffix;
  }
  describe() {
    return `loud ${this.label}${this.#suffix}`;
  }
  async addSlowly(n, ms) {
    const base = await super.addSlowly(n, ms);
    await sleep(ms);
    const again = () => super.describe?.() ?? this.describe();
    return `${base.toUpperCase()}${this.#suffix} (${again()})`;
  }
  static async make(label) {
    await sleep(5);
    return new this(label, '!');
  }
}

const Timer = class {
  #ticks = [];
  async tickTimes(n, ms) {
    for (let i = 0; i < n; i++) {
      await sleep(ms);
      this.#ticks.push(i * ms);
    }
    return this.#ticks.length;
  }
};

// The turn chain and each async chain use their own objects: their interleaving varies from run to run.
const counters = [new Counter('a'), new Counter('b')];
const loud = new Loud('c', '?');
const slow = [new Counter('s1'), new Counter('s2'), new Loud('s3', '?')];
const timer = new Timer();
const lines = [];
let turn = 0;

function step() {
  turn++;
  counters[turn % 2].onTick();
  loud.onTick();
  if (turn === 3) counters.push(counters[0].factory());
  const gen = loud.entries();
  console.log(`turn ${turn}: counts ${counters.map((c) => c.count).join(' ')} loud ${loud.count} first ${gen.next().value} has ${loud.has(counters[0])}`);
  if (turn < 10) setTimeout(step, 25);
}

async function main() {
  setTimeout(step, 25);
  const [a, b, c, n] = await Promise.all([slow[0].addSlowly(3, 40), slow[1].addSlowly(2, 70), slow[2].addSlowly(4, 30), timer.tickTimes(5, 35)]);
  lines.push(a, b, c, `ticks ${n}`);
  const made = await Loud.make('m');
  lines.push(made.describe(), made.constructor.name, `${Timer.name}`, `instances ${Counter.instances}`);
  while (turn < 10) await sleep(20);
  for (const l of lines) console.log(l);
  if (counters[0].count !== 5 || slow[0].count !== 3 || made.count !== 0) throw new Error(`state lost: ${counters[0].count} ${made.count}`);
  console.log('ok');
}

main();
