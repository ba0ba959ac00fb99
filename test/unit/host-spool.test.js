'use strict';
// A program host (dist/child.js) driven as the agent drives it (ChildHost), with a spool
// directory: a capture of a state over 1 MB comes back through a spool file and is sealed by
// the agent side (its hash checks), a restore of it goes to a fresh host through a spool file
// and the program goes on from where it was; no spool file is left behind. ASCII and
// non-ASCII states (the files are Latin-1 or UTF-8).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { ChildHost, openSnapshot, spoolText, spoolBytes, readSpooled } = require(path.join(__dirname, '..', '..', 'dist', 'lib.js'));

const CHILD = path.join(__dirname, '..', '..', 'dist', 'child.js');

const program = (text) => `'use strict';
const state = [];
for (let i = 0; i < 20000; i++) state.push({ i, text: ${JSON.stringify(text)} + i });
let tick = 0;
const t = setInterval(() => {
  tick++;
  let sum = 0;
  for (const s of state) sum += s.text.length;
  console.log('tick ' + tick + ' ' + state.length + ' ' + sum);
  if (tick === 40) clearInterval(t);
}, 20);
`;

/** A host, and the lines its program printed so far. */
function newHost(dir, spoolDir) {
  const host = new ChildHost({ script: CHILD, cwd: dir, readyTimeoutMs: 20000, requestTimeoutMs: 20000, spoolDir });
  const lines = [];
  host.on('output', (stream, line) => {
    if (stream === 'stdout') lines.push(line);
  });
  return { host, lines };
}

function untilLine(host, re, timeoutMs = 20000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no line matching ${re} within ${timeoutMs} ms`)), timeoutMs);
    const on = (stream, line) => {
      if (stream === 'stdout' && re.test(line)) {
        clearTimeout(timer);
        host.off('output', on);
        resolve(line);
      }
    };
    host.on('output', on);
  });
}

for (const [label, text] of [
  ['ASCII', 'x'.repeat(90)],
  ['non-ASCII', 'é✓'.repeat(30) + 'x'.repeat(30)],
]) {
  test(`a ${label} state over 1 MB goes through spool files both ways, and the program goes on`, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thingsjs-spool-test-'));
    const spool = fs.mkdtempSync(path.join(os.tmpdir(), 'thingsjs-spool-dir-'));
    const file = path.join(dir, 'big.js');
    fs.writeFileSync(file, program(text));
    const seen = new Set();
    const watcher = fs.watch(spool, (event, name) => name && seen.add(name.replace(/-\d+-\d+\.json$/, '')));
    const { host: a, lines: aLines } = newHost(dir, spool);
    const { host: b } = newHost(dir, spool);
    try {
      await a.start();
      const third = untilLine(a, /^tick 3 /);
      await a.request({ type: 'start', program: { name: 'big.js', filename: file } });
      await third;
      const cap = await a.request({ type: 'capture' });
      assert.equal(cap.type, 'capture');
      assert.ok(cap.snapshot.length > 1 << 20, `a snapshot of ${cap.snapshot.length} characters`);
      assert.equal(cap.stats.bytes, cap.snapshot.length);
      // Sealed on this side: its hash is that of its body.
      const opened = openSnapshot(cap.snapshot);
      assert.ok(Array.isArray(opened.body.heap));
      // Kept as its UTF-8 bytes on this side (it came through a file).
      assert.ok(Buffer.isBuffer(cap.snapshot));
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(fs.readdirSync(spool), [], 'the capture file is gone once read');
      // Paused by the capture: nothing more is printed before it is killed.
      await a.kill();
      const lastBefore = Number(/^tick (\d+) /.exec(aLines[aLines.length - 1])[1]);

      await b.start();
      const next = untilLine(b, new RegExp(`^tick ${lastBefore + 1} 20000 `));
      const r = await b.request({ type: 'restore', snapshot: cap.snapshot, hashChecked: true, paused: false });
      assert.equal(r.status, 'Running');
      await next;
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(fs.readdirSync(spool), [], 'the restore file is gone once the host answered');
      assert.deepEqual([...seen].sort(), ['capture', 'restore'], 'both crossed through the spool');
    } finally {
      watcher.close();
      await a.kill();
      await b.kill();
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(spool, { recursive: true, force: true });
    }
  });
}

test("spool files hold a text's UTF-8 bytes, written in pieces without splitting a character, and are checked when read", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thingsjs-spool-dir-'));
  try {
    const piece = 1 << 20;
    for (const text of [
      'a'.repeat(2.5 * piece),
      // A surrogate pair across the first piece's end, and other characters of 2 and 3 bytes.
      'a'.repeat(piece - 1) + '\u{1F600}' + 'é'.repeat(1000) + '✓' + '\u{1F600}'.repeat(piece / 2 + 7),
    ]) {
      const f = spoolText(dir, 'test', text);
      assert.equal(f.encoding, /^a*$/.test(text) ? 'latin1' : 'utf8');
      assert.ok(fs.readFileSync(f.path).equals(Buffer.from(text, 'utf8')), 'the file is the text in UTF-8');
      assert.equal(f.bytes, Buffer.byteLength(text));
      assert.equal(readSpooled(f, true), text);
      // Bytes spooled as they are, read back as the same text (ASCII as Latin-1).
      const g = spoolBytes(dir, 'test', Buffer.from(text, 'utf8'));
      assert.equal(g.encoding, f.encoding);
      assert.equal(readSpooled(g, false), text);
      // A file that is not as long as it was written is refused.
      fs.truncateSync(g.path, g.bytes - 1);
      assert.throws(() => readSpooled(g, true), { code: 'E_SNAPSHOT_CORRUPT', message: /bytes/ });
    }
    // (Removed in the background.)
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(fs.readdirSync(dir), [], 'files read with `remove` are removed');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
