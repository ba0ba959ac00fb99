// ArrayBuffer, every typed array kind and DataView across turns: views sharing one buffer keep sharing (a write through one
// is seen through the others), offsets and lengths, a slice that must stay separate, endianness, BigInt64 views.
'use strict';

const buffer = new ArrayBuffer(64);
const views = {
  u8: new Uint8Array(buffer),
  i8: new Int8Array(buffer, 8, 8),
  u8c: new Uint8ClampedArray(buffer, 16, 4),
  i16: new Int16Array(buffer, 20, 2),
  u16: new Uint16Array(buffer, 24, 4),
  i32: new Int32Array(buffer, 32, 2),
  u32: new Uint32Array(buffer, 40, 2),
  f32: new Float32Array(buffer, 48, 2),
  f64: new Float64Array(buffer, 56, 1),
  dv: new DataView(buffer, 4, 12),
};
const big = { i64: new BigInt64Array(4), u64: new BigUint64Array(new ArrayBuffer(40), 8, 3) };
const separate = new Float64Array([1.5, -0, NaN, Infinity]);
const copy = views.u8.slice(0, 16); // its own buffer
const sameBufferTwice = [views.u32, views.u32]; // one object referenced twice
const empty = new ArrayBuffer(0);
const detachedLike = new Uint16Array(0);
views.u8.tag = 'extra property on a typed array';
let turn = 0;

function checksum() {
  let h = 0;
  for (const b of views.u8) h = (h * 31 + b) >>> 0;
  return h.toString(16).padStart(8, '0');
}

function step() {
  turn++;
  views.u8[turn % 8] = turn * 37; // wraps at 256
  views.i8[turn % 8] = -turn * 9;
  views.u8c[turn % 4] = turn * 60; // clamps at 255
  views.i16[turn % 2] -= 1000 * turn;
  views.u16[turn % 4] += 5000 * turn;
  views.i32[turn % 2] ^= turn << 20;
  views.u32[turn % 2] += 0x10000000;
  views.f32[turn % 2] += 0.1;
  views.f64[0] += Math.PI / turn;
  views.dv.setUint16(turn % 6, 0xbeef, turn % 2 === 0); // little- or big-endian
  big.i64[turn % 4] -= 2n ** 62n / BigInt(turn);
  big.u64[turn % 3] += 2n ** 63n + BigInt(turn);
  console.log(`turn ${turn}: sum=${checksum()} u8c=${[...views.u8c]} i16=${[...views.i16]} f32=${[...views.f32].map((x) => x.toFixed(3))} dv=${views.dv.getUint32(0).toString(16)} i64=${big.i64[turn % 4]} u64=${big.u64[turn % 3]}`);
  if (turn < 15) setTimeout(step, 30);
  else finish();
}

function finish() {
  // A write through one view must show through another view of the same buffer.
  views.u8[20] = 0x34;
  views.u8[21] = 0x12;
  if (views.i16[0] !== 0x1234 || views.dv.buffer !== buffer || views.f64.buffer !== views.u8.buffer) throw new Error('views no longer share one buffer');
  views.dv.setFloat64(4, 2.5, true); // dv offset 4 is buffer byte 8: the i8 view's bytes
  if (views.i8[6] !== 4 || views.i8[7] !== 64 || views.dv.getFloat64(4, true) !== 2.5) throw new Error('a DataView write is not seen through the Int8Array view');
  if (copy.buffer === buffer || copy.length !== 16 || copy.byteOffset !== 0) throw new Error('slice shares the buffer');
  if (!Object.is(separate[1], -0) || !Number.isNaN(separate[2]) || separate[3] !== Infinity) throw new Error('special floats lost');
  if (sameBufferTwice[0] !== sameBufferTwice[1] || views.u8.tag !== 'extra property on a typed array') throw new Error('identity or props lost');
  if (empty.byteLength !== 0 || detachedLike.length !== 0) throw new Error('empty buffers wrong');
  const shape = Object.entries(views).map(([k, v]) => `${k}:${v.constructor.name}@${v.byteOffset}+${v.byteLength}`).join(' ');
  if (shape !== 'u8:Uint8Array@0+64 i8:Int8Array@8+8 u8c:Uint8ClampedArray@16+4 i16:Int16Array@20+4 u16:Uint16Array@24+8 i32:Int32Array@32+8 u32:Uint32Array@40+8 f32:Float32Array@48+8 f64:Float64Array@56+8 dv:DataView@4+12') throw new Error('shape wrong ' + shape);
  if (big.u64.byteOffset !== 8 || big.u64.buffer.byteLength !== 40) throw new Error('bigint view offset lost');
  console.log(`final checksum ${checksum()} bytes ${Buffer.from(buffer).toString('hex')}`);
  console.log('ok');
}

setTimeout(step, 30);
