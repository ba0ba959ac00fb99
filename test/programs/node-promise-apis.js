// Node's promise-returning helpers held across turns: events.once waiting (resolved, and rejected by an 'error' event),
// once-listeners that are bound functions, util.promisify of a callback API and of a bound function, util.promisify(setTimeout)
// and timers/promises sleeps pending at a cut, assert.rejects/doesNotReject waiting, TextEncoder/TextDecoder kept in state.
// (No real I/O: a callback pending inside Node is not part of a snapshot.)
'use strict';

const EventEmitter = require('node:events');
const util = require('node:util');
const assert = require('node:assert');
const { setTimeout: sleep, setImmediate: nextTurn } = require('timers/promises');

const log = [];
const note = (line) => {
  log.push(line);
  console.log(line);
};

const door = new EventEmitter();
class Counter {
  constructor() {
    this.total = 0;
  }
  add(n) {
    this.total += n;
    note(`bound once-listener: total=${this.total} this-ok=${this instanceof Counter}`);
  }
}
const counter = new Counter();
door.once('knock', counter.add.bind(counter));

function slowDouble(n, cb) {
  setTimeout(() => (n < 0 ? cb(new Error(`negative ${n}`)) : cb(null, n * 2)), 70);
}
const doubleAsync = util.promisify(slowDouble);
const tripleAsync = util.promisify(function (n, cb) {
  setTimeout(() => cb(null, n * this.factor), 50);
}.bind({ factor: 3 }));
const wait = util.promisify(setTimeout);

const encoder = new TextEncoder();
const decoder = new util.TextDecoder('utf-8', { fatal: true });
class Utf16 extends TextDecoder {}
const wide = new Utf16('utf-16le');
const state = { bytes: encoder.encode('caf\u00e9 \u{1F680}'), wideBytes: new Uint8Array([0x68, 0, 0x69, 0]), results: [] };

const opened = EventEmitter.once(door, 'open');
opened.then(([who, when]) => note(`door opened by ${who} at turn ${when}`));
const failing = EventEmitter.once(door, 'close');
failing.catch((e) => note(`close wait rejected: ${e.message} (close listeners=${door.listenerCount('close')})`));

let sleptValue = null;
const slept = wait(260, 'slept-value').then((v) => (sleptValue = v));
const doubled = doubleAsync(21);

let turn = 0;
async function step() {
  turn++;
  note(`turn ${turn}: ${decoder.decode(state.bytes)} ${wide.decode(state.wideBytes)} ${util.inspect(decoder)} once-listeners=${door.listenerCount('open')}/${door.listenerCount('error')}`);
  if (turn === 2) door.emit('open', 'alice', turn);
  if (turn === 3) door.emit('error', new Error('door jammed'));
  if (turn === 4) door.emit('knock', 5);
  if (turn === 5) {
    state.results.push(await doubled);
    state.results.push(await tripleAsync(7));
    try {
      await doubleAsync(-1);
    } catch (e) {
      state.results.push(e.message);
    }
  }
  if (turn === 7) {
    await assert.rejects(doubleAsync(-2), /negative -2/);
    await assert.doesNotReject(() => tripleAsync(1));
    try {
      await assert.rejects(doubleAsync(4));
    } catch (e) {
      state.results.push(e.message);
    }
  }
  const v = await sleep(20, turn);
  await nextTurn();
  if (v < 9) setTimeout(step, 30);
  else await finish();
}

async function finish() {
  await slept;
  if (door.eventNames().length !== 0) throw new Error('listeners left: ' + door.eventNames().map(String));
  if (counter.total !== 5) throw new Error('bound listener lost');
  if (util.promisify(slowDouble) === doubleAsync || util.promisify(doubleAsync) !== doubleAsync) throw new Error('promisify identity');
  if (doubleAsync.name !== 'slowDouble' || doubleAsync.length !== 2) throw new Error(`promisified name/length ${doubleAsync.name}/${doubleAsync.length}`);
  if (!(wide instanceof TextDecoder) || wide.encoding !== 'utf-16le' || !decoder.fatal) throw new Error('decoders lost');
  note(`results ${state.results.join(', ')} slept=${sleptValue}`);
  note(`log lines ${log.length}`);
  console.log('ok');
}

setTimeout(step, 30);
