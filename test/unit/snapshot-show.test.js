'use strict';
// `thingsctl snapshot show`, and weak state / bound functions across a real restore.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.resolve(__dirname, '../..');
const thingsctl = path.join(root, 'bin/thingsctl');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tjs-show-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function run(args) {
  const r = spawnSync(process.execPath, [thingsctl, ...args], { encoding: 'utf8', timeout: 60_000, cwd: tmp });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const PROGRAM = `
const keep = { name: 'keep' };
const cache = new WeakMap([[keep, 'kept'], [{ lost: true }, 'dropped']]);
const ref = new WeakRef(keep);
const gone = new WeakRef({ unreachable: true });
function greet(greeting, who) { return greeting + ', ' + who + (this && this.mark ? this.mark : ''); }
const hello = greet.bind({ mark: '!' }, 'hello');
const big = Array.from({ length: 200 }, (_, i) => 'item ' + i);
globalThis.state = { keep, cache, ref, gone, hello, big };
function tick() {
  console.log(cache.get(keep), ref.deref() === keep, hello('world'), hello.name, hello.length);
}
setTimeout(tick, 50);
setInterval(function poll() {}, 1000).unref();
`;

test('snapshot show summarises program, records, timers and largest objects; weak state and bound functions restore', () => {
  const file = path.join(tmp, 'prog.js');
  const snap = path.join(tmp, 'prog.snap');
  fs.writeFileSync(file, PROGRAM);
  const cap = run(['run', file, '--snapshot-after-turns', '0', '--snapshot-out', snap]);
  assert.equal(cap.code, 0, cap.stderr);

  const res = run(['run', '--restore', snap]);
  assert.equal(res.code, 0, res.stderr);
  assert.equal(res.stdout, 'kept true hello, world! bound greet 1\n');

  const show = run(['snapshot', 'show', snap]);
  assert.equal(show.code, 0, show.stderr);
  assert.match(show.stdout, /^program\s+prog\.js \(main prog\.js\)$/m);
  assert.match(show.stdout, /^timers\s+2 pending$/m);
  assert.match(show.stdout, /setTimeout\s+tick\s+due in \d+ ms \(of 50 ms\)/);
  assert.match(show.stdout, /setInterval\s+poll\s+due in [\d,]+ ms, every 1,000 ms, unref/);
  assert.match(show.stdout, /^suspended\s+none$/m);
  assert.match(show.stdout, /WeakMap\s+1/);
  assert.match(show.stdout, /bound function\s+1/);
  assert.match(show.stdout, /array\s+state\.big$/m);

  const json = JSON.parse(run(['snapshot', 'show', snap, '--json']).stdout);
  assert.equal(json.program.main, 'prog.js');
  assert.equal(json.version, require(path.join(root, 'dist/lib.js')).SNAPSHOT_VERSION);
  assert.deepEqual(json.timers.map((t) => [t.kind, t.callback]), [['setTimeout', 'tick'], ['setInterval', 'poll']]);
  assert.equal(json.largest[0].path, 'state.big');
  assert.equal(json.kinds.find((k) => k.kind === 'WR').count, 2);
  const body = JSON.parse(fs.readFileSync(snap, 'utf8')).body;
  const wm = body.heap.find((r) => r.k === 'WM');
  assert.equal(wm.v.length, 1, 'the entry whose key is unreachable is dropped');
  assert.equal(body.heap.filter((r) => r.k === 'WR' && r.t === undefined).length, 1, 'the WeakRef to an unreachable object is cleared');
});

test('snapshot show refuses corrupt and newer snapshots with their codes (exit 1)', () => {
  const file = path.join(tmp, 'prog2.js');
  const snap = path.join(tmp, 'prog2.snap');
  fs.writeFileSync(file, PROGRAM);
  assert.equal(run(['run', file, '--snapshot-after-turns', '0', '--snapshot-out', snap]).code, 0);
  const text = fs.readFileSync(snap, 'utf8');
  fs.writeFileSync(path.join(tmp, 'bad.snap'), text.replace('"keep"', '"kEEp"'));
  const bad = run(['snapshot', 'show', path.join(tmp, 'bad.snap')]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /E_SNAPSHOT_CORRUPT/);
  fs.writeFileSync(path.join(tmp, 'new.snap'), text.replace(/"version":\d+/, '"version":99'));
  const newer = run(['snapshot', 'show', path.join(tmp, 'new.snap')]);
  assert.equal(newer.code, 1);
  assert.match(newer.stderr, /E_SNAPSHOT_VERSION/);
});
