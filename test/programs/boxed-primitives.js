// Boxed primitives across turns: new Number/String/Boolean, Object(symbol), Object(bigint), with own properties and identity;
// typeof, valueOf, equality, truthiness of new Boolean(false), string index properties and length.
'use strict';

const n = new Number(41.5);
const s = new String('h\u00e9llo');
const t = new Boolean(false); // an object: truthy
const sym = Symbol('boxed');
const bs = Object(sym);
const bb = Object(12345678901234567890n);
const nz = new Number(-0);
const nan = new Number(NaN);
n.unit = 'kg';
s.lang = 'fr';
const all = [n, s, t, bs, bb, nz, nan, n]; // n twice: one object
let turn = 0;
let sum = 0;

function step() {
  turn++;
  sum += n * turn; // unboxed by arithmetic
  const joined = s + turn;
  const truthy = t ? 'truthy' : 'falsy';
  console.log(`turn ${turn}: sum=${sum} joined=${joined} t=${truthy}/${t.valueOf()} s[1]=${s[1]} len=${s.length} types=${all.map((x) => typeof x).join(',')} unit=${n.unit}`);
  if (turn < 12) setTimeout(step, 30);
  else finish();
}

function finish() {
  if (!(n instanceof Number) || n.valueOf() !== 41.5 || n == 41 || n != 41.5 || n === 41.5) throw new Error('Number box wrong');
  if (!(s instanceof String) || s.valueOf() !== 'h\u00e9llo' || s.length !== 5 || Object.keys(s).join() !== '0,1,2,3,4,lang') throw new Error('String box wrong: ' + Object.keys(s));
  if (!(t instanceof Boolean) || t.valueOf() !== false || !t) throw new Error('Boolean box wrong');
  if (bs.valueOf() !== sym || typeof bs !== 'object' || bs.description !== 'boxed') throw new Error('Symbol box wrong');
  if (bb.valueOf() !== 12345678901234567890n || Object.prototype.toString.call(bb) !== '[object BigInt]') throw new Error('BigInt box wrong');
  if (!Object.is(nz.valueOf(), -0) || !Number.isNaN(nan.valueOf())) throw new Error('special number boxes wrong');
  if (all[0] !== all[7] || all[0] === new Number(41.5)) throw new Error('identity wrong');
  try {
    s[0] = 'X'; // index properties of a String box are read-only
    throw new Error('assignment to a string index must throw in strict mode');
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
  }
  console.log(`final ${JSON.stringify([n, s, t])} ${String(bs.valueOf())} ${bb.toString()}`);
  console.log('ok');
}

setTimeout(step, 30);
