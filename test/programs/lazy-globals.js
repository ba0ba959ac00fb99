'use strict';
// Built-ins of globals that Node defines lazily (their module loads when the global is first
// read): read by the program at its start and later, inside timers, and held in its state
// across captures. Each must come back as the same built-in. The runtime walks such a global
// into its built-in table when it is first read, not ahead.
// (Function.prototype.toString: what hangs off every function, lazy getters included, must be
// named by a path that a restore finds, whichever globals were read by then.)
const early = { b64: btoa, RS: ReadableStream, fts: Function.prototype.toString };
const held = {};
let n = 0;
const same = (a, b) => (a === undefined ? '-' : String(a === b));
const t = setInterval(() => {
  n++;
  if (n === 2) held.now = performance.now; // first read long after the start
  if (n === 3) {
    held.CS = CompressionStream;
    held.port = MessageChannel.prototype;
  }
  if (n === 4) held.enc = TextEncoderStream;
  console.log(
    n,
    early.b64('hi'),
    early.fts.call(same).length > 0,
    same(early.RS, ReadableStream),
    same(held.now, performance.now),
    same(held.CS, CompressionStream),
    same(held.port, MessageChannel.prototype),
    same(held.enc, TextEncoderStream),
    held.now ? typeof held.now.call(performance) : '-',
  );
  if (n === 6) {
    clearInterval(t);
    const all = [same(early.RS, ReadableStream), same(held.now, performance.now), same(held.CS, CompressionStream), same(held.port, MessageChannel.prototype), same(held.enc, TextEncoderStream)];
    console.log(all.every((s) => s === 'true') ? 'ok' : 'FAILED');
  }
}, 5);
