'use strict';
// Runtime and snapshot behaviour, through the real CLI in fresh processes.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { sealSnapshot, openSnapshot } = require('../../dist/lib.js');

const root = path.resolve(__dirname, '../..');
const thingsctl = path.join(root, 'bin/thingsctl');
const fixtures = path.join(__dirname, 'fixtures');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tjs-unit-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function run(args) {
  const r = spawnSync(process.execPath, [thingsctl, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
function native(file) {
  return spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 60_000 }).stdout;
}

test('a snapshot whose body was altered is refused as corrupt', () => {
  const text = sealSnapshot({ a: 1, s: 'hello' });
  assert.deepEqual(openSnapshot(text).body, { a: 1, s: 'hello' });
  const bad = text.replace('hello', 'hellp');
  assert.throws(() => openSnapshot(bad), (e) => e.code === 'E_SNAPSHOT_CORRUPT' && /hash/.test(e.message));
  assert.throws(() => openSnapshot(text.slice(0, -10)), (e) => e.code === 'E_SNAPSHOT_CORRUPT');
  assert.throws(() => openSnapshot('{"not":"a snapshot"}'), (e) => e.code === 'E_SNAPSHOT_CORRUPT');
  assert.throws(() => openSnapshot(''), (e) => e.code === 'E_SNAPSHOT_CORRUPT');
});

test('a snapshot of a newer format version is refused with E_SNAPSHOT_VERSION', () => {
  const newer = sealSnapshot({}).replace(/"version":\d+/, '"version":77');
  assert.notEqual(newer, sealSnapshot({}));
  assert.throws(() => openSnapshot(newer), (e) => e.code === 'E_SNAPSHOT_VERSION' && /version 77/.test(e.message));
  // The previous version (1) still opens.
  assert.deepEqual(openSnapshot(sealSnapshot({ a: 1 }).replace(/"version":\d+/, '"version":1')).body, { a: 1 });
});

test('a snapshot of format version 2 (written by an earlier ThingsJS) still restores', () => {
  // older-format.v2.snap is older-format.js captured at its first turn boundary by the
  // version that wrote format 2 (its modules are in the snapshot: the file need not exist).
  const snap = path.join(fixtures, 'older-format.v2.snap');
  assert.match(fs.readFileSync(snap, 'utf8'), /^\{"format":"thingsjs-snapshot","version":2,/);
  const r = run(['run', '--restore', snap]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, native(path.join(fixtures, 'older-format.js')));
});

test('plain data written in place (format 3) restores exactly: trees, sharing, cycles, deep chains, tag-like arrays', () => {
  const file = path.join(fixtures, 'plain-trees.js');
  const snap = path.join(tmp, 'trees.snap');
  const cap = run(['run', file, '--snapshot-after-turns', '0', '--snapshot-out', snap]);
  assert.equal(cap.code, 0, cap.stderr);
  const body = openSnapshot(fs.readFileSync(snap, 'utf8')).body;
  const objects = Number(/(\d+) objects/.exec(cap.stderr)[1]);
  assert.ok(body.heap.length < objects * 0.75, `objects are written in place (${body.heap.length} heap entries for ${objects} objects)`);
  const r = run(['run', '--restore', snap]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, native(file));
});

test('restoring a corrupted snapshot file fails with E_SNAPSHOT_CORRUPT and runs nothing', () => {
  const snap = path.join(tmp, 'coop.snap');
  const r1 = run(['run', path.join(fixtures, 'cooperating.js'), '--snapshot-after-turns', '2', '--snapshot-out', snap]);
  assert.equal(r1.code, 0, r1.stderr);
  const text = fs.readFileSync(snap, 'utf8');
  const mid = Math.floor(text.length / 2);
  fs.writeFileSync(snap, text.slice(0, mid) + (text[mid] === 'x' ? 'y' : 'x') + text.slice(mid + 1));
  const r2 = run(['run', '--restore', snap]);
  assert.notEqual(r2.code, 0);
  assert.match(r2.stderr, /E_SNAPSHOT_CORRUPT/);
  assert.equal(r2.stdout, '');
});

test('state that cannot migrate fails the capture with its path, and the program goes on untouched', () => {
  const file = path.join(fixtures, 'socket-holder.js');
  const snap = path.join(tmp, 'socket.snap');
  const r = run(['run', file, '--snapshot-after-turns', '2', '--snapshot-out', snap]);
  assert.match(r.stderr, /E_NOT_CAPTURABLE/);
  assert.match(r.stderr, /state\.tcpServer/);
  assert.equal(fs.existsSync(snap), false);
  assert.equal(r.stdout, native(file));
});

test('transient state is dropped and onRestore hooks run after a restore', () => {
  const file = path.join(fixtures, 'cooperating.js');
  const snap = path.join(tmp, 'coop2.snap');
  const a = run(['run', file, '--snapshot-after-turns', '2', '--snapshot-out', snap]);
  assert.equal(a.code, 0, a.stderr);
  const b = run(['run', '--restore', snap]);
  assert.equal(b.code, 0, b.stderr);
  assert.equal(a.stdout, 'n 1 cache true\nn 2 cache true\n');
  assert.equal(b.stdout, 'restored; cache was dropped\nn 3 cache true\nn 4 cache true\nn 5 cache true\n');
});

test('a program that ends before the cut point just ends and writes no snapshot', () => {
  const file = path.join(fixtures, 'cooperating.js');
  const snap = path.join(tmp, 'never.snap');
  const r = run(['run', file, '--snapshot-after-turns', '1000', '--snapshot-out', snap]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(fs.existsSync(snap), false);
  assert.equal(r.stdout, run(['run', file]).stdout);
  assert.match(r.stdout, /n 5 cache true\n$/);
});

test('a snapshot taken by code instrumented before steps took their frame resumes', () => {
  // legacy-resumables.snap: resumables.js cut after 3 turns by the previous code shape (a
  // step closure per call, returning [kind, value]) with an async function, a generator in
  // a try/finally and an async generator suspended.
  const r = run(['run', '--restore', path.join(fixtures, 'legacy-resumables.snap')]);
  assert.equal(r.code, 0, r.stderr);
  const lines = native(path.join(fixtures, 'resumables.js')).split('\n');
  assert.equal(r.stdout, lines.slice(4).join('\n'));
});

test('a call under way whose own steps come while the program is paused (fs.writeFile) ends, and a capture after it succeeds', () => {
  // In a fresh process: the program runs in this host (the runtime patches its globals).
  const driver = `
    const { ProgramHost } = require(${JSON.stringify(path.join(root, 'dist', 'lib.js'))});
    const host = new ProgramHost();
    host.install(${JSON.stringify(fixtures)}, 'w');
    host.start(${JSON.stringify(path.join(fixtures, 'paused-write-file.js'))});
    host.runtime.pause(); // the writeFile's open is under way; its write and close come now
    host.settle(3000).then(() => {
      const out = host.capture();
      console.log('captured', out.bytes > 0);
    }, (err) => console.log('settle failed:', err.code, err.message));
  `;
  const r = spawnSync(process.execPath, ['-e', driver], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, TJS_TMP: tmp } });
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, 'written 100000\ncaptured true\n');
});

test('a call on a file descriptor waiting to start at a capture refuses the capture, and the program goes on', () => {
  const file = path.join(fixtures, 'fd-reads.js');
  const snap = path.join(tmp, 'fd.snap');
  // (The reads go on for a second: 300 ms after the start is among them.)
  const r = run(['run', file, '--snapshot-after', '300', '--snapshot-out', snap]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /E_NOT_CAPTURABLE: a call of fs\.read on a file descriptor is waiting to start/);
  assert.match(r.stderr, /the program goes on running/);
  assert.equal(fs.existsSync(snap), false);
  // Every read ran once: the one that waited during the capture attempt too.
  assert.equal(r.stdout, native(file));
});
