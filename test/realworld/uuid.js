// uuid in ordinary use across turns (deterministic versions only): v5 ids derived from a namespace kept in state, validate,
// parse/stringify round trips, a registry keyed by ids; v4 is never printed.
'use strict';

const { v5: uuidv5, validate, version, parse, stringify, NIL } = require('uuid');

const NAMESPACE = uuidv5('thingsjs.example', uuidv5.DNS);
const registry = new Map();
const bytes = [];
let turn = 0;

function step() {
  turn++;
  const name = `device-${turn % 5}/${turn}`;
  const id = uuidv5(name, NAMESPACE);
  registry.set(id, { name, turn });
  const b = parse(id);
  bytes.push(b);
  if (stringify(b) !== id || !validate(id) || version(id) !== 5) throw new Error('uuid round trip failed');
  console.log(`turn ${turn}: ${name} -> ${id} byte0=${b[0]} registry=${registry.size}`);
  if (turn < 14) setTimeout(step, 30);
  else finish();
}

function finish() {
  if (uuidv5('device-1/1', NAMESPACE) !== [...registry.keys()][0]) throw new Error('namespace lost');
  if (!(bytes[3] instanceof Uint8Array) || stringify(bytes[3]) !== [...registry.keys()][3]) throw new Error('bytes lost');
  if (validate('not-a-uuid') || !validate(NIL)) throw new Error('validate wrong');
  console.log(`namespace ${NAMESPACE}`);
  console.log('ok');
}

setTimeout(step, 30);
