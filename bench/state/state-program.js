'use strict';
// The program of the snapshot and migration figures. It builds a state of about
// STATE_BYTES bytes (objects, arrays, strings and Maps, no shared references, so its JSON
// length is its size), then ticks on setImmediate as fast as the event loop allows, keeping
// the monotonic time (process.hrtime, ms) of its last tick in its state.
//
// Lines on stdout (each one write, so a pipe receives it whole):
//   READY <bytes> <hash> <build ms> <time>   the state is built; <bytes> is its JSON length
//   HEAP <bytes>                        natively with --expose-gc only: heapUsed growth from
//                                       the build (after a full GC before and after)
//   T <time>                            every tick, only when PRINT_TICKS is true
//   R <time> <lastBefore> <uptime>      first tick in a new process (after a restore): its time,
//                                       the time of the last tick before the capture (carried
//                                       in the state), and performance.now() of this process
//                                       (ms since it started)
//   V ok|bad                            after R: the state was checked against its hash
//
// bench/lib writes a copy with the two constants set; the program stops by itself after
// STOP_AFTER_MS of ticking without a move, so a lost process cannot run for ever.
const STATE_BYTES = 10000;
const PRINT_TICKS = false;
const STOP_AFTER_MS = 120000;

const now = () => Number(process.hrtime.bigint()) / 1e6;
const out = (line) => process.stdout.write(line + '\n');

function hash(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 7) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16);
}

// Maps are written as their entry lists, so the JSON length counts their contents.
const asJson = (state) => JSON.stringify(state, (k, v) => (v instanceof Map ? [...v] : v));

function unit(i, state) {
  const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel'];
  state.records.push({
    id: i,
    name: 'record-' + i,
    tags: [words[i % 8], words[(i * 3) % 8]],
    score: (i * 37) % 1000 / 10,
    flags: { even: i % 2 === 0, parent: i > 0 ? i - 1 : null },
    values: [i, i * 2, i * 3, i % 17, i % 19, i % 23],
  });
  state.index.set('k' + i, { seen: i * 13, note: words[i % 8].repeat(4) + ':' + i });
  state.chunks.push(('chunk ' + i + ' ' + words[(i * 5) % 8] + ' ').repeat(6));
  if (i % 10 === 0) state.groups.set(words[i % 8] + i, new Map([['first', i], ['second', [i, 'x' + i]]]));
}

const gc = typeof globalThis.gc === 'function' ? globalThis.gc : null;
let heapBefore = 0;
if (gc) {
  gc();
  heapBefore = process.memoryUsage().heapUsed;
}
const t0 = performance.now();
const state = { records: [], index: new Map(), chunks: [], groups: new Map(), meta: { created: 'bench', target: STATE_BYTES } };
// About 300 bytes of JSON per unit: add units until the target is reached.
let units = 0;
while (units * 300 < STATE_BYTES) unit(units++, state);
// In a function, so the JSON text is garbage afterwards (not held by the module's scope).
const [bytes, digest] = (() => {
  const text = asJson(state);
  return [text.length, hash(text)];
})();
out('READY ' + bytes + ' ' + digest + ' ' + (performance.now() - t0).toFixed(1) + ' ' + now().toFixed(3));
if (gc) {
  gc();
  out('HEAP ' + (process.memoryUsage().heapUsed - heapBefore));
}

let pid = process.pid;
let last = now();
let since = last;
function tick() {
  const t = now();
  if (process.pid !== pid) {
    pid = process.pid;
    out('R ' + t.toFixed(3) + ' ' + last.toFixed(3) + ' ' + performance.now().toFixed(3));
    since = t;
    last = t;
    out('V ' + (hash(asJson(state)) === digest ? 'ok' : 'bad'));
    setImmediate(tick);
    return;
  }
  last = t;
  if (PRINT_TICKS) out('T ' + t.toFixed(3));
  if (t - since < STOP_AFTER_MS) setImmediate(tick);
}
setImmediate(tick);
