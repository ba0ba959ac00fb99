// Extra arguments of setTimeout/setInterval/setImmediate: objects (same identity), special values, functions, nested arrays.
'use strict';

const stats = { ticks: 0, seen: [] };
const double = (x) => x * 2;
let interval;

function onTick(s, label, missing) {
  s.ticks++;
  s.seen.push(label + s.ticks);
  console.log(`${label} ${s.ticks} missing=${missing === undefined ? 'undefined' : missing} same=${s === stats}`);
  if (s.ticks === 5) {
    clearInterval(interval);
    setTimeout(afterInterval, 40, s, [1, [2, [3, { deep: 'yes' }]]], -0, NaN, undefined, double, 'last');
  }
}

function afterInterval(s, nested, negZero, nan, undef, fn, last) {
  console.log(`afterInterval: ticks=${s.ticks} nested=${JSON.stringify(nested)} -0=${Object.is(negZero, -0)} NaN=${Number.isNaN(nan)} undef=${undef === undefined} fn=${fn(21)} last=${last} argc=${arguments.length}`);
  setImmediate(immediateStep, s, 3, 'imm');
}

function immediateStep(s, remaining, label) {
  s.seen.push(label + remaining);
  console.log(`${label} remaining=${remaining}`);
  if (remaining > 0) setTimeout(immediateStep, 30, s, remaining - 1, label);
  else finish(s);
}

function finish(s) {
  if (s !== stats) throw new Error('argument identity lost');
  if (s.seen.join() !== 'tick1,tick2,tick3,tick4,tick5,imm3,imm2,imm1,imm0') throw new Error('bad sequence ' + s.seen);
  console.log('ok');
}

interval = setInterval(onTick, 45, stats, 'tick', undefined);
