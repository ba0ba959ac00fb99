// crypto hashing across turns: a hash chain (each block's digest covers the previous digest), an HMAC, incremental hashing of
// a log, all computed within a turn and kept as hex strings in state (hash objects themselves are never held across turns).
'use strict';

const crypto = require('crypto');

const chain = [{ index: 0, data: 'genesis', prev: '0'.repeat(64), hash: null }];
chain[0].hash = digest(chain[0]);
const secret = 'not-a-real-secret';
const macs = new Map();
const logLines = [];
const algorithms = ['md5', 'sha1', 'sha256', 'sha512'];
let turn = 0;

function digest(block) {
  return crypto.createHash('sha256').update(`${block.index}|${block.prev}|${block.data}`).digest('hex');
}

function step() {
  turn++;
  const prev = chain[chain.length - 1];
  const block = { index: prev.index + 1, data: `payment ${turn * 17} from ${['ann', 'bob', 'cy'][turn % 3]}`, prev: prev.hash, hash: null };
  block.hash = digest(block);
  chain.push(block);
  macs.set(block.index, crypto.createHmac('sha256', secret).update(block.hash).digest('base64'));
  logLines.push(`${block.index}:${block.data}`);
  // incremental hash of the whole log, recomputed within the turn (a Hash object is not kept)
  const h = crypto.createHash(algorithms[turn % algorithms.length]);
  for (const line of logLines) h.update(line).update('\n');
  console.log(`turn ${turn}: block ${block.index} ${block.hash.slice(0, 16)} mac ${macs.get(block.index).slice(0, 12)} log-${algorithms[turn % algorithms.length]} ${h.digest('hex').slice(0, 16)}`);
  if (turn < 14) setTimeout(step, 35);
  else finish();
}

function finish() {
  for (let i = 1; i < chain.length; i++) {
    if (chain[i].prev !== chain[i - 1].hash || digest(chain[i]) !== chain[i].hash) throw new Error(`chain broken at ${i}`);
    const mac = crypto.createHmac('sha256', secret).update(chain[i].hash).digest('base64');
    if (mac !== macs.get(i)) throw new Error(`mac mismatch at ${i}`);
  }
  const known = crypto.createHash('sha256').update('abc').digest('hex');
  if (known !== 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad') throw new Error('sha256 broken');
  const a = Buffer.from(macs.get(3), 'base64');
  if (!crypto.timingSafeEqual(a, Buffer.from(macs.get(3), 'base64')) || a.length !== 32) throw new Error('mac bytes wrong');
  console.log(`tip ${chain[chain.length - 1].hash}`);
  console.log('ok');
}

setTimeout(step, 35);
