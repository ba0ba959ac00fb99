// Tutorial factorial: one BigInt multiply per setImmediate, a deterministic progress line every 2500 steps.
'use strict';

const N = 25000;
const REPORT_EVERY = 2500;

let i = 0;
let product = 1n;

function step() {
  i++;
  product *= BigInt(i);
  if (i % REPORT_EVERY === 0) {
    const digits = product.toString();
    console.log(`step ${i}: ${i}! has ${digits.length} digits, starts ${digits.slice(0, 10)}`);
  }
  if (i < N) setImmediate(step);
  else finish();
}

function trailingZeros(n) {
  let count = 0;
  for (let p = 5; p <= n; p *= 5) count += Math.floor(n / p);
  return count;
}

// An independent computation of N! (product tree) to check the incremental one.
function productRange(lo, hi) {
  if (lo > hi) return 1n;
  if (lo === hi) return BigInt(lo);
  const mid = (lo + hi) >> 1;
  return productRange(lo, mid) * productRange(mid + 1, hi);
}

function finish() {
  const text = product.toString();
  const zeros = text.length - text.replace(/0+$/, '').length;
  console.log(`${N}! = ${text.slice(0, 20)}... (${text.length} digits, ${zeros} trailing zeros)`);
  if (zeros !== trailingZeros(N)) throw new Error('wrong number of trailing zeros');
  if (product !== productRange(1, N)) throw new Error('incremental product differs from product tree');
  console.log('ok');
}

console.log(`computing ${N}! one step per turn`);
setImmediate(step);
