// NaN, Infinity, -Infinity, -0 (checked with Object.is), extreme doubles, null and undefined in objects, arrays, closures and timer args.
'use strict';

function specials() {
  return [NaN, Infinity, -Infinity, -0, 0, 5e-324, -5e-324, Number.MAX_VALUE, Number.MIN_SAFE_INTEGER, 2 ** 53 + 2, 0.1 + 0.2, 1e21, -1e-7, 123456789.123456789, null, undefined];
}
const names = ['NaN', 'Infinity', '-Infinity', '-0', '0', 'min denormal', '-min denormal', 'MAX_VALUE', 'MIN_SAFE_INTEGER', '2^53+2', '0.1+0.2', '1e21', '-1e-7', 'many digits', 'null', 'undefined'];

const list = specials();
const record = {};
names.forEach((n, i) => {
  record[n] = list[i];
});
const negZero = -0;
const readNegZero = () => negZero; // a closure over -0
let counter = -0; // becomes 0 after arithmetic, must print -0 first
const objWithUndefined = { a: undefined, b: null, c: [undefined, null, NaN] };

function same(a, b) {
  return Object.is(a, b);
}

let index = 0;
function check(fromArg) {
  const fresh = specials()[index];
  const fromList = list[index];
  const fromRecord = record[names[index]];
  console.log(`${names[index]}: list=${String(fromList)} record=${String(fromRecord)} arg=${String(fromArg)} is=${same(fromList, fresh)}/${same(fromRecord, fresh)}/${same(fromArg, fresh)} 1/x=${1 / fromList}`);
  if (!same(fromList, fresh) || !same(fromRecord, fresh) || !same(fromArg, fresh)) throw new Error('value changed: ' + names[index]);
  index++;
  if (index < list.length) setTimeout(check, 25, list[index]);
  else finish();
}

function finish() {
  console.log([-0, 0, NaN, -Infinity], { negZero, counter, objWithUndefined });
  if (!Object.is(readNegZero(), -0) || !Object.is(counter, -0)) throw new Error('-0 lost');
  counter += 0;
  if (!Object.is(counter, 0)) throw new Error('-0 + 0 should be +0');
  if (!('a' in objWithUndefined) || objWithUndefined.a !== undefined) throw new Error('undefined property dropped');
  if (objWithUndefined.c.length !== 3 || !(0 in objWithUndefined.c)) throw new Error('undefined element became a hole');
  if (!Number.isNaN(objWithUndefined.c[2])) throw new Error('NaN element lost');
  console.log('ok');
}

setTimeout(check, 25, list[0]);
