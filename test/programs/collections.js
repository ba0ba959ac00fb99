// Map and Set across turns: object and primitive keys (NaN, -0, functions), insertion order after delete/re-add,
// nested collections, collections with extra properties, shared entries, an LRU cache built on Map ordering.
'use strict';

class LRU {
  constructor(limit) {
    this.limit = limit;
    this.map = new Map();
    this.evicted = [];
  }
  get(k) {
    if (!this.map.has(k)) return undefined;
    const v = this.map.get(k);
    this.map.delete(k);
    this.map.set(k, v);
    return v;
  }
  set(k, v) {
    this.map.delete(k);
    this.map.set(k, v);
    if (this.map.size > this.limit) {
      const oldest = this.map.keys().next().value;
      this.map.delete(oldest);
      this.evicted.push(oldest);
    }
  }
}

const keyObj = { name: 'key object' };
const keyFn = function keyFunction() {};
const shared = { shared: true, hits: 0 };
const mixed = new Map([
  [keyObj, 'by object'],
  [keyFn, 'by function'],
  [NaN, 'by NaN'],
  [0, 'by zero'], // -0 and 0 are the same key
  ['0', 'by string zero'],
  [1n, 'by bigint'],
  [undefined, 'by undefined'],
  [null, shared],
]);
mixed.extra = 'a property on the map itself';
const tags = new Set(['red', 'green', keyObj, shared, NaN]);
const graph = new Map(); // node -> Set of neighbours (nested collections, shared sets)
for (const n of ['a', 'b', 'c', 'd', 'e']) graph.set(n, new Set());
const cache = new LRU(4);
let turn = 0;

function step() {
  turn++;
  const from = 'abcde'[turn % 5];
  const to = 'abcde'[(turn * 3 + 1) % 5];
  graph.get(from).add(to);
  graph.get(to).add(from);
  if (turn % 4 === 0) graph.get(from).delete(to);
  cache.set(`k${turn % 6}`, { turn });
  cache.get(`k${(turn + 3) % 6}`);
  if (turn === 3) {
    tags.delete('red');
    tags.add('red'); // moves to the end
    mixed.delete(keyFn);
    mixed.set(keyFn, 'by function again');
  }
  shared.hits++;
  const g = [...graph].map(([k, s]) => `${k}:${[...s].sort().join('')}`).join(' ');
  console.log(`turn ${turn}: graph ${g} | lru ${[...cache.map.keys()].join(',')} evicted ${cache.evicted.length} | tags ${[...tags].map((t) => (typeof t === 'object' ? '{}' : String(t))).join(',')}`);
  if (turn < 15) setTimeout(step, 28);
  else finish();
}

function finish() {
  if (mixed.get(keyObj) !== 'by object' || mixed.get(NaN) !== 'by NaN' || mixed.get(-0) !== 'by zero' || mixed.get(1n) !== 'by bigint') throw new Error('map keys lost');
  if (mixed.get({ name: 'key object' }) !== undefined) throw new Error('object keys must match by identity');
  if (mixed.get(null) !== shared || !tags.has(shared) || shared.hits !== 15) throw new Error('shared value lost');
  if ([...mixed.values()].pop() !== 'by function again' || mixed.extra !== 'a property on the map itself') throw new Error('map order or props lost');
  if (!tags.has(NaN) || [...tags].pop() !== 'red' || tags.size !== 5) throw new Error('set lost');
  if (!(graph.get('a') instanceof Set) || Object.getPrototypeOf(cache.map) !== Map.prototype) throw new Error('prototype lost');
  const it = tags.values();
  it.next();
  console.log(`iterator continues with ${JSON.stringify(it.next().value)}; evicted ${cache.evicted.join(',')}`);
  console.log('ok');
}

setTimeout(step, 28);
