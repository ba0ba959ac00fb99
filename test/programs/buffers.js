// Buffer across turns: a growing binary log built with Buffer.alloc/concat, reads and writes of every integer/float width and
// endianness, slices (subarray) that share memory with their parent, encodings (hex, base64, base64url, latin1, utf16le).
'use strict';

const record = Buffer.alloc(32);
const window = record.subarray(8, 24); // shares memory with record
const copy = Buffer.from(record); // does not
let log = Buffer.alloc(0);
const text = Buffer.from('h\u00e9llo w\u00f6rld \u{1F600}', 'utf8');
const wide = Buffer.from('wide \u00e9', 'utf16le');
const pool = Buffer.allocUnsafe(0);
text.label = 'own property on a Buffer';
let turn = 0;

function step() {
  turn++;
  record.writeUInt8(turn, 0);
  record.writeInt16LE(-turn * 300, 1);
  record.writeUInt32BE((0xdeadbeef ^ turn) >>> 0, 3);
  window.writeDoubleLE(turn / 7, 0); // lands in record[8..16]
  window.writeFloatBE(-turn * 1.5, 8);
  record.writeBigInt64LE(BigInt(turn) * -(2n ** 40n), 24);
  const entry = Buffer.concat([Buffer.from([turn]), record.subarray(0, 8)]);
  log = Buffer.concat([log, entry]);
  console.log(`turn ${turn}: record ${record.toString('hex')} log ${log.length}B b64 ${entry.toString('base64url')} dbl ${record.readDoubleLE(8).toFixed(6)}`);
  if (turn < 13) setTimeout(step, 30);
  else finish();
}

function finish() {
  if (window.buffer !== record.buffer || window.byteOffset !== record.byteOffset + 8) throw new Error('subarray no longer shares memory');
  window[0] = 0xff;
  if (record[8] !== 0xff || copy[8] !== 0) throw new Error('sharing or copying wrong');
  if (!Buffer.isBuffer(log) || log.length !== 13 * 9 || log[9] !== 2) throw new Error('log lost');
  if (text.toString() !== 'h\u00e9llo w\u00f6rld \u{1F600}' || text.label !== 'own property on a Buffer' || text.length !== 18) throw new Error('text lost');
  if (wide.toString('utf16le') !== 'wide \u00e9' || Buffer.from(text.toString('latin1'), 'latin1').equals(text) !== true || pool.length !== 0) throw new Error('encodings lost');
  if (record.readBigInt64LE(24) !== -13n * 2n ** 40n || record.readInt16LE(1) !== -3900 || record.readFloatBE(16) !== -19.5) throw new Error('numbers lost');
  console.log(`final ${log.toString('base64')}`);
  console.log(`compare ${Buffer.compare(text, wide)} ${text.indexOf('w\u00f6')} ${text.includes('rld')}`);
  console.log('ok');
}

setTimeout(step, 30);
