// eventemitter3 in ordinary use across turns: a message hub with context-bound listeners, once listeners, removal by
// context, listener counts; the hub and its listeners are kept across turns.
'use strict';

const EventEmitter = require('eventemitter3');

class Hub extends EventEmitter {
  publish(topic, payload) {
    this.published = (this.published || 0) + 1;
    return this.emit(topic, payload, this.published);
  }
}
const hub = new Hub();
const subscriberA = { name: 'A', got: [] };
const subscriberB = { name: 'B', got: [] };
function onNews(payload, n) {
  this.got.push(`${payload}#${n}`);
}
hub.on('news', onNews, subscriberA);
hub.on('news', onNews, subscriberB);
hub.once('news', (p) => subscriberB.got.push(`once:${p}`));
hub.on('alert', function (p) {
  this.got.push(`alert:${p}`);
}, subscriberA);
let turn = 0;

function step() {
  turn++;
  const delivered = hub.publish(turn % 3 ? 'news' : 'alert', `m${turn}`);
  if (turn === 6) hub.removeListener('news', onNews, subscriberB);
  console.log(`turn ${turn}: delivered=${delivered} news=${hub.listenerCount('news')} alert=${hub.listenerCount('alert')} A=${subscriberA.got.length} B=${subscriberB.got.length}`);
  if (turn < 13) setTimeout(step, 30);
  else finish();
}

function finish() {
  if (subscriberB.got[1] !== 'once:m1' || subscriberA.got.length !== 13 || hub.eventNames().join() !== 'news,alert') throw new Error('listeners lost');
  console.log(`A ${subscriberA.got.join(' ')}`);
  console.log(`B ${subscriberB.got.join(' ')}`);
  console.log('ok');
}

setTimeout(step, 30);
