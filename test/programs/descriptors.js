// Property descriptors across turns: non-enumerable, non-writable, non-configurable data properties, getters/setters
// (object-literal and defineProperty, with closures), accessors on prototypes, symbol-keyed descriptors, length of arrays.
'use strict';

function makeTemperature(celsius) {
  const changes = [];
  const t = {
    get fahrenheit() {
      return (this.celsius * 9) / 5 + 32;
    },
    set fahrenheit(f) {
      this.celsius = ((f - 32) * 5) / 9;
      changes.push(f);
    },
  };
  Object.defineProperty(t, 'celsius', { value: celsius, writable: true, enumerable: true, configurable: false });
  Object.defineProperty(t, 'changes', { get: () => changes.slice(), enumerable: false, configurable: true });
  Object.defineProperty(t, 'scale', { value: 'C', writable: false, enumerable: false, configurable: false });
  return t;
}

const temp = makeTemperature(20);
const config = {};
Object.defineProperties(config, {
  version: { value: 3, enumerable: true }, // writable/configurable default to false
  secret: { value: 'hunter2', enumerable: false, writable: true, configurable: true },
  onlySetter: { set(v) { this._last = v; }, enumerable: true, configurable: true },
  [Symbol.for('meta')]: { value: { owner: 'ops' }, enumerable: false },
});
Object.defineProperty(config, '_last', { value: null, writable: true, enumerable: false });

const base = {};
let reads = 0;
Object.defineProperty(base, 'computed', { get() { reads++; return `computed for ${this.name}`; }, configurable: true });
const derived = Object.create(base, { name: { value: 'derived', enumerable: true } });

const arr = [1, 2, 3];
Object.defineProperty(arr, 'length', { writable: false }); // a fixed-length array

function flags(obj, key) {
  const d = Object.getOwnPropertyDescriptor(obj, key);
  if (!d) return '-';
  const kind = 'value' in d ? 'data' : `${d.get ? 'g' : ''}${d.set ? 's' : ''}`;
  return `${kind}${d.writable ? 'W' : ''}${d.enumerable ? 'E' : ''}${d.configurable ? 'C' : ''}`;
}

let turn = 0;
function step() {
  turn++;
  temp.fahrenheit = 50 + turn * 9;
  config.onlySetter = turn;
  config.secret = `secret-${turn}`;
  let refused = 0;
  try {
    config.version = 99;
  } catch (e) {
    if (e instanceof TypeError) refused++;
  }
  try {
    arr.push(4);
  } catch (e) {
    if (e instanceof TypeError) refused++;
  }
  console.log(`turn ${turn}: C=${temp.celsius.toFixed(2)} F=${temp.fahrenheit.toFixed(1)} changes=${temp.changes.length} last=${config._last} version=${config.version} refused=${refused} keys=${Object.keys(config)} ${derived.computed} reads=${reads}`);
  if (turn < 12) setTimeout(step, 30);
  else finish();
}

function finish() {
  const table = [
    flags(temp, 'celsius'), flags(temp, 'fahrenheit'), flags(temp, 'changes'), flags(temp, 'scale'),
    flags(config, 'version'), flags(config, 'secret'), flags(config, 'onlySetter'), flags(config, Symbol.for('meta')), flags(config, '_last'),
    flags(base, 'computed'), flags(derived, 'name'), flags(derived, 'computed'), flags(arr, 'length'),
  ].join(' ');
  console.log(`descriptors ${table}`);
  if (table !== 'dataWE gsEC gC data dataE dataWC sEC data dataW gC dataE - data') throw new Error('descriptors changed');
  if (config.onlySetter !== undefined || config[Symbol.for('meta')].owner !== 'ops') throw new Error('setter-only or symbol property wrong');
  if (Object.keys(temp).join() !== 'fahrenheit,celsius' || temp.changes.length !== 12) throw new Error('enumeration order or closure lost');
  if (arr.length !== 3 || reads !== 12) throw new Error('fixed length or getter calls wrong');
  console.log('ok');
}

setTimeout(step, 30);
