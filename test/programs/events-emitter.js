// require('events') emitters across turns: on/once/prependListener/prependOnceListener/off, listener order and counts,
// 'error' events with a handler, newListener/removeListener meta-events, setMaxListeners, emitters as a subclass and as a mixin.
'use strict';

const EventEmitter = require('events');
const { once } = require('events');

const bus = new EventEmitter();
const meta = [];
bus.on('newListener', (event) => meta.push(`+${String(event)}`));
bus.on('removeListener', (event) => meta.push(`-${String(event)}`));
bus.setMaxListeners(25);

const received = [];
const tick = (n) => received.push(`tick:${n}`);
const audit = function (n) {
  received.push(`audit:${n}:${this === bus}`); // ordinary functions get the emitter as this
};
bus.on('tick', tick);
bus.on('tick', audit);
bus.prependListener('tick', (n) => received.push(`first:${n}`));
bus.once('tick', (n) => received.push(`once:${n}`));
bus.prependOnceListener('tick', (n) => received.push(`prepended-once:${n}`));
const SYM = Symbol('sym-event');
bus.on(SYM, (v) => received.push(`symbol:${v}`));
bus.on('error', (err) => received.push(`error:${err.message}`));

class Thermostat extends EventEmitter {
  constructor(target) {
    super();
    this.target = target;
    this.reading = target;
  }
  update(reading) {
    const before = this.reading;
    this.reading = reading;
    if (reading > this.target + 2 && before <= this.target + 2) this.emit('hot', reading);
    if (reading < this.target - 2 && before >= this.target - 2) this.emit('cold', reading);
    this.emit('reading', reading);
  }
}
const thermo = new Thermostat(20);
const alarms = [];
thermo.on('hot', (r) => alarms.push(`hot@${r}`));
thermo.on('cold', (r) => alarms.push(`cold@${r}`));
let readings = 0;
thermo.on('reading', () => readings++);

// a plain object given the emitter behaviour as a mixin
const mixin = Object.assign(Object.create(EventEmitter.prototype), { name: 'mixin' });
EventEmitter.call(mixin);
mixin.on('ping', function () {
  this.pings = (this.pings || 0) + 1;
});

let turn = 0;
let awaited = null;
function step() {
  turn++;
  bus.emit('tick', turn);
  if (turn === 3) bus.emit(SYM, 'three');
  if (turn === 4) bus.emit('error', new Error('handled failure'));
  if (turn === 5) bus.off('tick', audit);
  if (turn === 6) once(bus, 'ready').then(([v]) => (awaited = v)); // a promise waiting on an event
  if (turn === 9) bus.emit('ready', 'ready-value');
  thermo.update(20 + Math.round(6 * Math.sin(turn / 2)));
  mixin.emit('ping');
  console.log(`turn ${turn}: tick listeners=${bus.listenerCount('tick')} received=${received.length} last=${received[received.length - 1]} alarms=${alarms.join(',')} awaited=${awaited}`);
  if (turn < 14) setTimeout(step, 30);
  else finish();
}

function finish() {
  const names = bus.eventNames().map(String).join(',');
  if (names !== 'newListener,removeListener,tick,error,Symbol(sym-event)') throw new Error('event names: ' + names);
  if (bus.listenerCount('tick') !== 2 || bus.getMaxListeners() !== 25 || bus.rawListeners('tick')[1] !== tick) throw new Error('listeners lost');
  if (received.slice(0, 5).join() !== 'prepended-once:1,first:1,tick:1,audit:1:true,once:1') throw new Error('order wrong: ' + received.slice(0, 5));
  if (!received.includes('symbol:three') || !received.includes('error:handled failure') || awaited !== 'ready-value') throw new Error('events lost');
  if (readings !== 14 || mixin.pings !== 14 || !(thermo instanceof EventEmitter)) throw new Error('emitters lost');
  console.log(`meta ${meta.join(' ')}`);
  console.log(`alarms ${alarms.join(' ')}`);
  console.log('ok');
}

setTimeout(step, 30);
