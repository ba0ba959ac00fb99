// util and assert used the ordinary way across turns: util.format/inspect of retained state, util.promisify'd callback APIs,
// util.inherits, util.types checks, util.isDeepStrictEqual, TextEncoder/TextDecoder from util, assert.* including throws/rejects.
'use strict';

const util = require('util');
const assert = require('assert');
const assertStrict = require('assert').strict;

function LegacyBase(name) {
  this.name = name;
}
LegacyBase.prototype.hello = function () {
  return `legacy ${this.name}`;
};
function LegacyChild(name) {
  LegacyBase.call(this, name);
}
util.inherits(LegacyChild, LegacyBase);

// A callback-style API, promisified once and kept.
function lookup(key, cb) {
  setTimeout(() => (key === 'missing' ? cb(new Error(`no ${key}`)) : cb(null, key.toUpperCase())), 10);
}
const lookupAsync = util.promisify(lookup);
const debugLines = [];
const fmt = (...a) => debugLines.push(util.format(...a));
const encoder = new util.TextEncoder();
const decoder = new util.TextDecoder('utf-8');

const state = {
  child: new LegacyChild('kid'),
  nested: { list: [1, 'two', { three: [3] }], map: new Map([['k', new Set([1, 2])]]), date: new Date(0), re: /x+/gi },
  bytes: encoder.encode('h\u00e9llo \u{1F600}'),
  results: [],
};
let turn = 0;

async function step() {
  turn++;
  const key = turn === 5 ? 'missing' : `key${turn}`;
  try {
    const v = await lookupAsync(key);
    state.results.push(v);
  } catch (e) {
    state.results.push(`error(${e.message})`);
  }
  state.nested.list.push(turn);
  fmt('%s turn=%d obj=%j pct=%%', state.child.hello(), turn, { t: turn });
  console.log(`turn ${turn}: ${debugLines[debugLines.length - 1]} | ${util.inspect(state.nested, { depth: 4, breakLength: Infinity, compact: true })}`);
  assert.strictEqual(decoder.decode(state.bytes), 'h\u00e9llo \u{1F600}');
  assert.ok(util.types.isDate(state.nested.date) && util.types.isRegExp(state.nested.re) && util.types.isMap(state.nested.map));
  if (turn < 12) setTimeout(step, 40);
  else await finish();
}

async function finish() {
  assert.deepStrictEqual(state.results.slice(0, 5), ['KEY1', 'KEY2', 'KEY3', 'KEY4', 'error(no missing)']);
  assert.ok(state.child instanceof LegacyBase && Object.getPrototypeOf(LegacyChild.prototype) === LegacyBase.prototype);
  assert.strictEqual(LegacyChild.super_, LegacyBase);
  assert.throws(() => assertStrict.equal(1, '1'), { code: 'ERR_ASSERTION' });
  assert.throws(() => assert.deepStrictEqual({ a: [1] }, { a: ['1'] }), assert.AssertionError);
  await assert.rejects(lookupAsync('missing'), /no missing/);
  assert.ok(util.isDeepStrictEqual(state.nested.map, new Map([['k', new Set([1, 2])]])));
  assert.notDeepStrictEqual(state.nested.list, [1, 'two']);
  assert.match(debugLines[11], /^legacy kid turn=12 obj=\{"t":12\} pct=%$/);
  const custom = { [util.inspect.custom]: () => 'CUSTOM!' };
  assert.strictEqual(util.inspect({ c: custom }), '{ c: CUSTOM! }');
  console.log(`results ${state.results.join(',')} bytes ${state.bytes.length}`);
  console.log('ok');
}

setTimeout(step, 40);
