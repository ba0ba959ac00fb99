// process.nextTick and queueMicrotask across turns: each turn schedules nested ticks, microtasks and promise reactions whose
// interleaving Node defines (nextTick queue before promise jobs); setImmediate vs setTimeout phases; all state is in closures.
'use strict';

const order = [];
const rounds = [];
let turn = 0;

function makeRecorder(prefix) {
  let n = 0;
  return (label) => order.push(`${prefix}${++n}:${label}`);
}

function round() {
  turn++;
  order.length = 0;
  const rec = makeRecorder(`r${turn}.`);
  rec('sync start');
  process.nextTick(() => {
    rec('tick A');
    process.nextTick(() => rec('tick A.1 (nested)'));
    queueMicrotask(() => rec('micro from tick A'));
  });
  queueMicrotask(() => {
    rec('micro B');
    process.nextTick(() => rec('tick from micro B'));
    queueMicrotask(() => rec('micro B.1 (nested)'));
  });
  Promise.resolve(turn).then((v) => {
    rec(`promise then ${v}`);
    return v * 2;
  }).then((v) => rec(`promise then2 ${v}`));
  process.nextTick((a, b) => rec(`tick with args ${a}+${b}`), turn, 'x');
  setImmediate(() => {
    rec('immediate');
    process.nextTick(() => rec('tick from immediate'));
  });
  rec('sync end');
  setTimeout(() => {
    rounds.push(order.join(' | '));
    console.log(`round ${turn}: ${order.join(' | ')}`);
    if (turn < 10) setTimeout(round, 25);
    else finish();
  }, 15);
}

function finish() {
  const shape = (s) => s.replace(/r\d+\./g, '').replace(/then \d+/, 'then N').replace(/then2 \d+/, 'then2 N').replace(/args \d+\+x/, 'args N+x');
  const first = shape(rounds[0]);
  if (!rounds.every((r) => shape(r) === first)) throw new Error('microtask ordering changed between rounds');
  if (!first.startsWith('1:sync start | 2:sync end | 3:tick A | 4:tick with args N+x | 5:tick A.1 (nested)')) throw new Error('tick order wrong: ' + first);
  console.log('ok');
}

// Started from a timer: in the main script's turn a 15 ms timeout could already be due (the loop's clock is read before
// the script loads), which would let it run before the immediate.
setTimeout(round, 25);
