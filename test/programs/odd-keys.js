// Property names a serializer might trip on: __proto__ as an own key, '$ref'-like markers, '', numeric-like keys, NUL, emoji; key order.
'use strict';

function build() {
  const o = {
    plain: 1,
    '': 'empty key',
    ' ': 'space',
    ['__proto__']: 'own __proto__ property', // computed key: an own property, not the prototype
    constructor: 'not a function',
    hasOwnProperty: 'shadowed',
    toString: 'shadowed too',
    prototype: 'just a key',
    $ref: '#/not/a/reference',
    $id: 7,
    '#': 'hash',
    '@type': 'at',
    'a.b': 'dot',
    'a"b\'c\\d': 'quotes',
    'nul\u0000key': 'nul',
    '\ud83d\ude00': 'emoji key',
    '\ud800': 'lone surrogate key',
    10: 'ten',
    2: 'two',
    '01': 'leading zero is a string key',
    '-1': 'negative',
    '1.5': 'fraction',
    4294967295: 'beyond array index range',
  };
  o.undefinedValue = undefined;
  return o;
}

const obj = build();
const nested = { inner: build(), list: [build()] };

let turn = 0;
function step() {
  turn++;
  obj['turn' + turn] = turn; // keep adding keys so insertion order matters
  delete obj['turn' + (turn - 2)];
  const keys = Object.keys(obj);
  console.log(`turn ${turn}: ${keys.length} keys: ${JSON.stringify(keys)}`);
  console.log(`  __proto__ own=${Object.prototype.hasOwnProperty.call(obj, '__proto__')} value=${JSON.stringify(obj['__proto__'])} realProto=${Object.getPrototypeOf(obj) === Object.prototype}`);
  if (turn < 6) setTimeout(step, 60);
  else finish();
}

function finish() {
  const fresh = build();
  for (const target of [nested.inner, nested.list[0]]) {
    if (JSON.stringify(Object.keys(target)) !== JSON.stringify(Object.keys(fresh))) throw new Error('key order changed');
    for (const k of Object.keys(fresh)) if (target[k] !== fresh[k]) throw new Error('value changed for key ' + JSON.stringify(k));
    if (Object.getPrototypeOf(target) !== Object.prototype) throw new Error('__proto__ key replaced the prototype');
  }
  if (!('undefinedValue' in obj)) throw new Error('undefined-valued key dropped');
  console.log(nested.inner);
  console.log('ok');
}

setTimeout(step, 60);
