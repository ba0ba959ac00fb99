'use strict';
// Crypto kernels on plain JavaScript numbers: (1) RSA-style modular exponentiation of
// 512-bit numbers held as arrays of 16-bit limbs, with Montgomery multiplication; (2) a
// SHA-256 of a 64 KiB pseudo-random buffer, on 32-bit integer arithmetic.
// Checksum: the hex digits of the exponentiation results and the digest.
const { benchSync, rng } = require('./harness');

const LIMB = 16;
const MASK = 0xffff;

function randomNat(random, limbs) {
  const a = [];
  for (let i = 0; i < limbs; i++) a.push(Math.floor(random() * 65536));
  return a;
}

function compare(a, b) {
  for (let i = a.length - 1; i >= 0; i--) if (a[i] !== b[i]) return a[i] > b[i] ? 1 : -1;
  return 0;
}

function subInPlace(a, b) {
  let borrow = 0;
  for (let i = 0; i < a.length; i++) {
    let d = a[i] - b[i] - borrow;
    borrow = d < 0 ? 1 : 0;
    if (d < 0) d += 65536;
    a[i] = d;
  }
}

function toHex(a) {
  let s = '';
  for (let i = a.length - 1; i >= 0; i--) s += ('000' + a[i].toString(16)).slice(-4);
  return s;
}

/** -n^{-1} mod 2^16 for odd n0, by Newton iteration. */
function negInverse(n0) {
  let x = 1;
  for (let i = 0; i < 5; i++) x = (x * (2 - ((n0 * x) % 65536))) % 65536;
  return (65536 - ((x + 65536) % 65536)) % 65536;
}

class Montgomery {
  constructor(n) {
    if ((n[0] & 1) === 0) throw new Error('modulus must be odd');
    this.n = n;
    this.k = n.length;
    this.nInv = negInverse(n[0]);
    // R^2 mod n by doubling 1 (2 * 16k) times.
    let x = new Array(this.k).fill(0);
    x[0] = 1;
    for (let i = 0; i < 2 * LIMB * this.k; i++) x = this.double(x);
    this.r2 = x;
    const one = new Array(this.k).fill(0);
    one[0] = 1;
    this.one = one;
  }

  double(x) {
    const out = new Array(this.k);
    let carry = 0;
    for (let i = 0; i < this.k; i++) {
      const v = x[i] * 2 + carry;
      out[i] = v & MASK;
      carry = v >>> LIMB;
    }
    if (carry || compare(out, this.n) >= 0) subInPlace(out, this.n);
    return out;
  }

  /** a * b * R^-1 mod n (CIOS). */
  multiply(a, b) {
    const k = this.k;
    const n = this.n;
    const t = new Array(k + 2).fill(0);
    for (let i = 0; i < k; i++) {
      let c = 0;
      const bi = b[i];
      for (let j = 0; j < k; j++) {
        const v = t[j] + a[j] * bi + c;
        t[j] = v % 65536;
        c = Math.floor(v / 65536);
      }
      let v = t[k] + c;
      t[k] = v & MASK;
      t[k + 1] = v >>> LIMB;
      const m = ((t[0] * this.nInv) >>> 0) & MASK;
      v = t[0] + m * n[0];
      c = Math.floor(v / 65536);
      for (let j = 1; j < k; j++) {
        v = t[j] + m * n[j] + c;
        t[j - 1] = v % 65536;
        c = Math.floor(v / 65536);
      }
      v = t[k] + c;
      t[k - 1] = v & MASK;
      t[k] = t[k + 1] + (v >>> LIMB);
    }
    const out = t.slice(0, k);
    if (t[k] !== 0 || compare(out, n) >= 0) subInPlace(out, n);
    return out;
  }

  pow(base, exponent) {
    let acc = this.multiply(this.one, this.r2); // R mod n: 1 in Montgomery form
    const b = this.multiply(base, this.r2);
    for (let i = exponent.length - 1; i >= 0; i--) {
      for (let bit = LIMB - 1; bit >= 0; bit--) {
        acc = this.multiply(acc, acc);
        if ((exponent[i] >>> bit) & 1) acc = this.multiply(acc, b);
      }
    }
    return this.multiply(acc, this.one);
  }
}

const K = [];
for (let i = 0; i < 64; i++) {
  // The fractional parts of the cube roots of the first 64 primes.
  let p = 2;
  let found = -1;
  for (; found < i; p++) {
    let prime = true;
    for (let d = 2; d * d <= p; d++) if (p % d === 0) prime = false;
    if (prime) found++;
  }
  const r = Math.cbrt(p - 1);
  K.push(Math.floor((r - Math.floor(r)) * 4294967296) | 0);
}

function sha256(bytes) {
  const h = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
  const total = ((bytes.length + 9 + 63) >> 6) << 6;
  const msg = new Uint8Array(total);
  msg.set(bytes);
  msg[bytes.length] = 0x80;
  const bits = bytes.length * 8;
  msg[total - 4] = (bits >>> 24) & 255;
  msg[total - 3] = (bits >>> 16) & 255;
  msg[total - 2] = (bits >>> 8) & 255;
  msg[total - 1] = bits & 255;
  const w = new Int32Array(64);
  const rotr = (x, n) => (x >>> n) | (x << (32 - n));
  for (let off = 0; off < total; off += 64) {
    for (let i = 0; i < 16; i++) w[i] = (msg[off + 4 * i] << 24) | (msg[off + 4 * i + 1] << 16) | (msg[off + 4 * i + 2] << 8) | msg[off + 4 * i + 3];
    for (let i = 16; i < 64; i++) {
      const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
      const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
    }
    let [a, b, c, d, e, f, g, hh] = h;
    for (let i = 0; i < 64; i++) {
      const S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
      const ch = (e & f) ^ (~e & g);
      const t1 = (hh + S1 + ch + K[i] + w[i]) | 0;
      const S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (S0 + maj) | 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h[0] = (h[0] + a) | 0;
    h[1] = (h[1] + b) | 0;
    h[2] = (h[2] + c) | 0;
    h[3] = (h[3] + d) | 0;
    h[4] = (h[4] + e) | 0;
    h[5] = (h[5] + f) | 0;
    h[6] = (h[6] + g) | 0;
    h[7] = (h[7] + hh) | 0;
  }
  return h.map((x) => ('0000000' + (x >>> 0).toString(16)).slice(-8)).join('');
}

// A known-answer check of the hash, once.
if (sha256(new TextEncoder().encode('abc')) !== 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad') throw new Error('sha256 is wrong');

function kernel() {
  const random = rng(20240531);
  const limbs = 512 / LIMB;
  const n = randomNat(random, limbs);
  n[0] |= 1;
  n[limbs - 1] |= 0x8000;
  const mont = new Montgomery(n);
  const results = [];
  for (let r = 0; r < 2; r++) {
    const msg = randomNat(random, limbs);
    msg[limbs - 1] &= 0x7fff;
    const e = new Array(limbs).fill(0);
    e[0] = 1;
    e[1] = 1; // 65537
    const c = mont.pow(msg, e);
    const d = randomNat(random, limbs);
    results.push(toHex(mont.pow(c, d)).slice(0, 16));
  }
  const data = new Uint8Array(65536);
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(random() * 256);
  results.push(sha256(data));
  return results.join(':');
}

benchSync('crypto', '8ff264eafcad6490:1bd6accd47b9c93b:10f5c7fd98f0545f15c7eb7d99af67cc7f4a0496eda0bd4a01530ce84178f57b', kernel);
