// State a program keeps on `process`: properties it adds (string and symbol keys, an
// accessor, a read-only one) and its environment changes (set, changed, removed). A new
// process started for a restore has none of them unless they travel in the snapshot.
'use strict';

const SYM = Symbol.for('process-state.registry');
const local = Symbol('process-state.local');
process.appCache = { hits: 0, keys: [] };
process[SYM] = new Map([['boot', 1]]);
process[local] = ['unique symbol key'];
let backing = 10;
Object.defineProperty(process, 'level', { get: () => backing, set: (v) => (backing = v * 2), enumerable: false, configurable: true });
Object.defineProperty(process, 'buildId', { value: 'b-42', writable: false, enumerable: true, configurable: false });

process.env.PROCESS_STATE_MODE = 'warm';
process.env.HOME = '/home/changed-by-program';
const pathBefore = process.env.PATH;
delete process.env.PATH;

function step(n) {
  process.appCache.hits++;
  process.appCache.keys.push('k' + n);
  process[SYM].set('step', n);
  process[local].push(n);
  process.level = n;
  if (n === 3) process.env.PROCESS_STATE_MODE = 'hot';
  const d = Object.getOwnPropertyDescriptor(process, 'buildId');
  const lv = Object.getOwnPropertyDescriptor(process, 'level');
  console.log(
    `step ${n}: hits=${process.appCache.hits} keys=${process.appCache.keys.join(',')} reg=${JSON.stringify([...process[SYM]])}`,
    `local=${process[local].join('/')} level=${process.level} levelEnum=${lv && lv.enumerable} accessor=${!!(lv && lv.get)}`,
    `build=${process.buildId} ro=${d && !d.writable && !d.configurable}`,
    `mode=${process.env.PROCESS_STATE_MODE} home=${process.env.HOME} pathGone=${!('PATH' in process.env)} hadPath=${typeof pathBefore === 'string'}`,
  );
  if (n < 6) setTimeout(step, 30, n + 1);
  else finish();
}

function finish() {
  if (process.appCache.hits !== 6 || process[SYM].get('step') !== 6 || process.level !== 12) throw new Error('process properties lost');
  if (process.env.PROCESS_STATE_MODE !== 'hot' || 'PATH' in process.env) throw new Error('environment changes lost');
  console.log('ok');
}

setTimeout(step, 30, 1);
