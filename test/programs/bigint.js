// BigInt values across turns: huge values in objects, arrays, Map keys and closures, negative and zero, BigInt.asIntN/asUintN,
// mixed with Number only explicitly; a modular-exponentiation RSA toy whose keys are kept in state.
'use strict';

function modPow(base, exp, mod) {
  let result = 1n;
  base %= mod;
  while (exp > 0n) {
    if (exp & 1n) result = (result * base) % mod;
    base = (base * base) % mod;
    exp >>= 1n;
  }
  return result;
}
function egcd(a, b) {
  if (b === 0n) return [a, 1n, 0n];
  const [g, x, y] = egcd(b, a % b);
  return [g, y, x - (a / b) * y];
}

const p = 2n ** 89n - 1n; // Mersenne primes
const q = 2n ** 107n - 1n;
const key = { n: p * q, e: 65537n, phi: (p - 1n) * (q - 1n) };
key.d = ((egcd(key.e, key.phi)[1] % key.phi) + key.phi) % key.phi;
const ciphertexts = new Map(); // BigInt keys
const counter = (() => {
  let c = -(2n ** 70n); // a BigInt in a closure
  return () => (c += 3n ** 40n);
})();
const specials = [0n, -0n, -1n, 2n ** 64n, -(2n ** 64n) + 1n, BigInt(Number.MAX_SAFE_INTEGER) + 2n, BigInt.asIntN(8, 255n), BigInt.asUintN(8, -1n)];
let turn = 0;

function step() {
  turn++;
  const message = BigInt(turn) * 1234567890123456789n;
  const c = modPow(message, key.e, key.n);
  ciphertexts.set(c, message);
  const back = modPow(c, key.d, key.n);
  if (back !== message) throw new Error('RSA round trip failed');
  const count = counter();
  console.log(`turn ${turn}: m=${message} c=${c.toString(36).slice(0, 20)}… counter=${count} sign=${count < 0n ? '-' : '+'}`);
  if (turn < 14) setTimeout(step, 30);
  else finish();
}

function finish() {
  if (ciphertexts.size !== 14 || [...ciphertexts.values()][13] !== 14n * 1234567890123456789n) throw new Error('bigint map lost');
  for (const [c, m] of ciphertexts) if (modPow(c, key.d, key.n) !== m) throw new Error('key lost');
  if (specials.map(String).join() !== '0,0,-1,18446744073709551616,-18446744073709551615,9007199254740993,-1,255') throw new Error('specials lost: ' + specials);
  if (typeof key.d !== 'bigint' || key.n.toString(16).length !== 49) throw new Error('key shape lost ' + key.n.toString(16).length);
  const boxed = Object(42n);
  if (typeof boxed !== 'object' || boxed.valueOf() !== 42n) throw new Error('boxing broken');
  console.log(`d has ${key.d.toString().length} digits, counter now ${counter()}`);
  console.log('ok');
}

setTimeout(step, 30);
