// Nested timers: timeouts scheduling immediates, intervals and timeouts; the order Node defines must survive a cut.
'use strict';

const trace = [];
function log(msg) {
  trace.push(msg);
  console.log(msg);
}

function level1() {
  log('L1 timeout');
  // From a timer callback, an immediate always runs before a new 0 ms timeout.
  setTimeout(level2Timeout, 0);
  setImmediate(level2Immediate);
  process.nextTick(() => log('L1 nextTick (same turn)'));
}

function level2Immediate() {
  log('L2 immediate');
}

function level2Timeout() {
  log('L2 timeout(0)');
  // Created in one turn with different delays: the shorter one fires first.
  setTimeout(level3Slow, 60);
  setTimeout(level3Fast, 20);
}

function level3Fast() {
  log('L3 fast timeout');
  setImmediate(() => {
    log('L3 immediate from fast timeout');
  });
}

function level3Slow() {
  log('L3 slow timeout');
  let n = 0;
  const iv = setInterval(() => {
    n++;
    log(`L4 interval tick ${n}`);
    setImmediate(() => log(`L5 immediate after tick ${n}`)); // runs before the next tick
    if (n === 3) {
      clearInterval(iv);
      setTimeout(level5, 25);
    }
  }, 25);
}

let depth = 0;
function level5() {
  depth++;
  log(`L5 recursive timeout depth ${depth}`);
  if (depth < 4) {
    setTimeout(level5, 20);
    setImmediate(() => log(`L6 immediate at depth ${depth}`));
  } else setTimeout(finish, 20);
}

function finish() {
  if (trace.length !== 20) throw new Error('unexpected number of events: ' + trace.length);
  if (trace.indexOf('L2 immediate') > trace.indexOf('L2 timeout(0)')) throw new Error('immediate should run before timeout(0)');
  console.log('ok');
}

setTimeout(level1, 30);
