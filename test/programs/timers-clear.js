// clearTimeout/clearInterval/clearImmediate, including clearing timers created before a cut from callbacks that run after it.
'use strict';

const handles = {}; // timers kept in an object, the way real code keeps them
const events = [];
function log(msg) {
  events.push(msg);
  console.log(msg);
}
function boom(what) {
  throw new Error(`${what} should have been cleared`);
}

// Phase A: a long timeout cleared much later, an early timeout, an interval stopped by another timer.
handles.doomed = setTimeout(boom, 700, 'doomed timeout');
handles.early = setTimeout(() => log('early timeout fired'), 10);
let ticks = 0;
handles.ticker = setInterval(() => {
  ticks++;
  log(`tick ${ticks}`);
  if (ticks === 3) setTimeout(stopTicker, 15); // well before the next tick
}, 60);

function stopTicker() {
  clearInterval(handles.ticker);
  log('ticker stopped');
  // Phase B: an immediate that clears a later immediate queued in the same turn.
  setImmediate(() => {
    clearImmediate(handles.victim);
    log('victim immediate cleared');
  });
  handles.victim = setImmediate(boom, 'victim immediate');
  setImmediate(phaseC);
}

function phaseC() {
  clearTimeout(handles.early); // already fired: a no-op
  clearTimeout(undefined);
  clearInterval(null);
  let n = 0;
  const selfStopping = setInterval(() => {
    n++;
    log(`self-stopping ${n}`);
    if (n === 4) {
      clearInterval(selfStopping);
      phaseD();
    }
  }, 30);
}

function phaseD() {
  let t = setTimeout(boom, 20, 'replaced timeout');
  clearTimeout(t);
  t = setTimeout(() => {
    clearTimeout(handles.doomed); // created at the very start
    log('doomed timeout cleared');
    const again = setTimeout(boom, 10, 'cleared-in-same-turn timeout');
    clearTimeout(again);
    setTimeout(finish, 400); // outlive the doomed timeout's due time
  }, 40);
}

function finish() {
  const expected = ['early timeout fired', 'tick 1', 'tick 2', 'tick 3', 'ticker stopped', 'victim immediate cleared', 'self-stopping 1', 'self-stopping 2', 'self-stopping 3', 'self-stopping 4', 'doomed timeout cleared'];
  if (events.join('|') !== expected.join('|')) throw new Error('unexpected events: ' + events.join('|'));
  console.log('ok');
}
