// Frozen, sealed and non-extensible objects (and arrays, functions, class instances) keep their integrity level after
// restore: writes, additions and deletions are refused in strict mode exactly as before; deep-frozen config trees.
'use strict';

function deepFreeze(o) {
  for (const v of Object.values(o)) if (v && typeof v === 'object') deepFreeze(v);
  return Object.freeze(o);
}

const config = deepFreeze({ name: 'svc', limits: { rps: 100, burst: [10, 20] }, tags: ['a', 'b'] });
const sealed = Object.seal({ count: 0, label: 'sealed' });
const closed = Object.preventExtensions({ open: 1, removable: true });
const frozenArr = Object.freeze([1, 2, 3]);
const sealedArr = Object.seal([0, 0, 0]);
function tool() {
  return 'tool';
}
tool.version = 1;
Object.freeze(tool);
class Point {
  constructor(x, y) {
    this.x = x;
    this.y = y;
    Object.freeze(this);
  }
}
const origin = new Point(0, 0);
const mutable = { inner: Object.freeze({ v: 1 }) };

function attempt(label, fn) {
  try {
    fn();
    return `${label}:allowed`;
  } catch (e) {
    return `${label}:${e.constructor.name}`;
  }
}

let turn = 0;
function step() {
  turn++;
  sealed.count += turn; // allowed: existing writable property
  sealedArr[turn % 3] += turn;
  closed.open = turn;
  if (turn === 5) delete closed.removable; // allowed: deletion on a non-extensible object
  mutable.inner = Object.freeze({ v: turn }); // the holder stays mutable
  const results = [
    attempt('cfg.name', () => { config.name = 'x'; }),
    attempt('cfg.limits.rps', () => { config.limits.rps = 1; }),
    attempt('cfg.burst.push', () => config.limits.burst.push(30)),
    attempt('sealed.add', () => { sealed.extra = 1; }),
    attempt('sealed.del', () => { delete sealed.label; }),
    attempt('closed.add', () => { closed.added = 1; }),
    attempt('arr.set', () => { frozenArr[0] = 9; }),
    attempt('sarr.push', () => sealedArr.push(1)),
    attempt('fn.prop', () => { tool.version = 2; }),
    attempt('pt.x', () => { origin.x = 5; }),
    attempt('inner.v', () => { mutable.inner.v = 0; }),
  ];
  console.log(`turn ${turn}: sealed.count=${sealed.count} sarr=${sealedArr} closed=${JSON.stringify(closed)} inner=${mutable.inner.v} | ${results.filter((r) => !r.endsWith('TypeError')).join(' ') || 'all refused'}`);
  if (turn < 12) setTimeout(step, 30);
  else finish();
}

function finish() {
  const levels = (o) => `${Object.isFrozen(o) ? 'F' : ''}${Object.isSealed(o) ? 'S' : ''}${Object.isExtensible(o) ? 'E' : ''}`;
  const summary = [config, config.limits, config.limits.burst, sealed, closed, frozenArr, sealedArr, tool, origin, mutable, mutable.inner].map(levels).join(',');
  console.log(`levels ${summary}`);
  if (summary !== 'FS,FS,FS,S,,FS,S,FS,FS,E,FS') throw new Error('integrity levels changed');
  if ('removable' in closed || sealed.count !== 78 || tool() !== 'tool' || Object.getPrototypeOf(origin) !== Point.prototype) throw new Error('state wrong');
  console.log('ok');
}

setTimeout(step, 30);
