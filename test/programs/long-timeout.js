// A long timeout keeps its remaining delay across a cut: it must fire between the same two timers as natively.
'use strict';

const order = [];
function log(msg) {
  order.push(msg);
  console.log(msg);
}

// A silent heartbeat: many event-loop turns (cut points) while the long timeout waits.
let beats = 0;
const heartbeat = setInterval(() => {
  beats++;
}, 20);

setTimeout(() => log('t=150 short timeout'), 150);

// If a restore restarted this timer with its full 600 ms instead of what remains, it would
// fire after the 400+300 ms timeout below instead of before it.
setTimeout(() => log('t=600 long timeout'), 600);

setTimeout(() => {
  log('t=400 scheduling a 300 ms timeout');
  setTimeout(() => {
    log('t=700 follow-up timeout');
    clearInterval(heartbeat);
    setTimeout(finish, 30);
  }, 300);
}, 400);

setTimeout(() => log('t=250 another short timeout'), 250);

function finish() {
  const expected = ['t=150 short timeout', 't=250 another short timeout', 't=400 scheduling a 300 ms timeout', 't=600 long timeout', 't=700 follow-up timeout'];
  if (order.join('|') !== expected.join('|')) throw new Error('timer order changed: ' + order.join('|'));
  if (beats < 5) throw new Error('heartbeat did not run');
  console.log('ok');
}
