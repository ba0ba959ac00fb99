// console.log/info/error/warn/dir of many kinds of values built before a cut: util.inspect output must not change.
'use strict';

function Point(x, y) {
  this.x = x;
  this.y = y;
}
function namedFunction(a, b) {
  return a + b;
}
const arrow = () => 1;
function withProps() {}
withProps.calls = 3;
withProps.meta = { owner: 'me' };

const cyclic = { name: 'cyclic', list: [] };
cyclic.list.push(cyclic);

const samples = [
  () => console.log('plain string', 42, 3.5, true, false, null, undefined),
  () => console.log({ a: 1, b: 'two', c: [1, 2, 3], d: { e: { f: { g: { h: 'too deep' } } } } }),
  () => console.log([1, , 3, undefined, null, -0, NaN, Infinity]), // eslint-disable-line no-sparse-arrays
  () => console.log(new Point(1, -2), [new Point(0, 0)]),
  () => console.log(Object.create(null), Object.assign(Object.create(null), { k: 'v' })),
  () => console.log(namedFunction, arrow, [function () {}], withProps, { method() {} }),
  () => console.log('%s is %d years, %i whole, %f float, %j json, %% percent', 'Bob', 42.5, 42.5, 1.25, { a: [1] }),
  () => console.log('%o vs %O', 'str', { x: { y: { z: 1 } } }),
  () => console.log(['a\nb', "it's", 'say "hi"', `both ' and "`, 'tab\t', '\u0000', '\u00e9\ud83d\ude00']),
  () => console.log(cyclic),
  () => console.log(Array.from({ length: 120 }, (_, i) => i * i)),
  () => console.log({ longKeyNumberOne: 'a value that is fairly long', longKeyNumberTwo: 'another long value here', n: [1, 2, 3] }),
  () => console.log('x'.repeat(200), { s: 'y'.repeat(30) }),
  () => console.info('info goes to stdout', { level: 'info' }),
  () => console.error('error goes to stderr', { level: 'error', nested: [1, { two: 2 }] }),
  () => console.warn('warn goes to stderr too'),
  () => console.dir({ a: { b: { c: { d: 1 } } } }, { depth: 0 }),
  () => console.log(),
  () => console.log([[[[['deep array']]]]], { undef: undefined, nul: null }),
];

let index = 0;
function next() {
  samples[index]();
  index++;
  if (index < samples.length) setTimeout(next, 25);
  else {
    console.log(`printed ${samples.length} samples`);
    console.log('ok');
  }
}

setTimeout(next, 25);
