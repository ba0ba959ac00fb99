// Symbols across turns: registered (Symbol.for) and unique symbols, as property keys (own, non-enumerable, on prototypes),
// in Maps/Sets/arrays, descriptions, well-known symbols (iterator, toPrimitive, toStringTag, hasInstance) on objects and classes.
'use strict';

const ID = Symbol('id');
const HIDDEN = Symbol('hidden');
const NO_DESC = Symbol();
const EMPTY_DESC = Symbol('');
const SHARED = Symbol.for('app.shared'); // the global registry
const KIND = Symbol.for('app.kind');

const proto = { [KIND]: 'proto-kind' };
const thing = Object.create(proto);
thing[ID] = 1;
thing.name = 'thing';
Object.defineProperty(thing, HIDDEN, { value: 'not enumerable', enumerable: false, writable: true });
thing[SHARED] = { count: 0 };

class Range {
  constructor(from, to) {
    this.from = from;
    this.to = to;
  }
  *[Symbol.iterator]() {
    for (let i = this.from; i < this.to; i++) yield i;
  }
  [Symbol.toPrimitive](hint) {
    return hint === 'number' ? this.to - this.from : `${this.from}..${this.to}`;
  }
  get [Symbol.toStringTag]() {
    return 'Range';
  }
  static [Symbol.hasInstance](x) {
    return typeof x === 'object' && x !== null && 'from' in x && 'to' in x;
  }
}

const range = new Range(2, 5);
const registry = new Map([[ID, 'id symbol'], [SHARED, 'shared symbol']]);
const seen = new Set([ID, NO_DESC]);
const list = [ID, HIDDEN, NO_DESC, EMPTY_DESC, SHARED, KIND];
let turn = 0;

function step() {
  turn++;
  thing[ID]++;
  thing[SHARED].count += turn;
  thing[HIDDEN] = `hidden ${turn}`;
  range.to++;
  if (turn === 4) seen.add(Symbol.for('app.kind'));
  const keys = Reflect.ownKeys(thing).map((k) => (typeof k === 'symbol' ? k.toString() : k)).join(',');
  console.log(`turn ${turn}: id=${thing[ID]} shared=${thing[SHARED].count} keys=${keys} range=[${[...range]}] ${String(range)} +${+range} ${Object.prototype.toString.call(range)} kind=${thing[KIND]}`);
  if (turn < 13) setTimeout(step, 30);
  else finish();
}

function finish() {
  if (Symbol.for('app.shared') !== SHARED || Symbol.keyFor(SHARED) !== 'app.shared' || Symbol.keyFor(ID) !== undefined) throw new Error('registry lost');
  if (list[0] !== ID || list[4] !== SHARED || ID === Symbol('id')) throw new Error('identity lost');
  if (NO_DESC.description !== undefined || EMPTY_DESC.description !== '' || HIDDEN.description !== 'hidden') throw new Error('descriptions lost');
  if (Object.keys(thing).join() !== 'name' || Object.getOwnPropertyDescriptor(thing, HIDDEN).enumerable) throw new Error('symbol property flags lost');
  if (registry.get(ID) !== 'id symbol' || !seen.has(KIND) || !seen.has(NO_DESC)) throw new Error('symbols in collections lost');
  if (!({ from: 1, to: 2 } instanceof Range) || [] instanceof Range) throw new Error('hasInstance lost');
  if (JSON.stringify(thing) !== '{"name":"thing"}' || typeof Object(ID) !== 'object' || Object(ID).valueOf() !== ID) throw new Error('symbol semantics broken');
  console.log(`final ${String(range)} ${list.map((s) => s.toString()).join(' ')}`);
  console.log('ok');
}

setTimeout(step, 30);
