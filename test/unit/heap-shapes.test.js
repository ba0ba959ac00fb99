'use strict';
// The heap encoder's shape checks (agent/runtime/heap/shapes.ts): an object or array with the
// hidden class of an exemplar the exact path has read is accepted without reading its
// descriptors. fixtures/shape-edges.js puts, right after ordinary objects and arrays, ones
// that share their class or differ only in what a class does not show (elements on an
// object, holes, attributes, extra keys, integrity levels, prototypes, sharing): each must
// restore exactly, and the snapshot must be the one the exact path writes.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const lib = require('../../dist/lib.js');

const root = path.resolve(__dirname, '../..');
const thingsctl = path.join(root, 'bin/thingsctl');
const fixture = path.join(__dirname, 'fixtures', 'shape-edges.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tjs-shapes-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function run(args, env = {}) {
  const r = spawnSync(process.execPath, [thingsctl, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
/** The body of a snapshot, without what differs from one capture to the next. */
function body(file) {
  const b = lib.openSnapshot(fs.readFileSync(file, 'utf8')).body;
  delete b.clock;
  for (const r of b.heap) if (r && r.k === 'T') delete r.r;
  return b;
}
const native = spawnSync(process.execPath, [fixture], { encoding: 'utf8', timeout: 60_000 }).stdout;

test('objects and arrays that share a hidden class with ordinary ones restore exactly', () => {
  assert.ok(native.split('\n').length > 80, native);
  const snap = path.join(tmp, 'fast.snap');
  const cap = run(['run', fixture, '--snapshot-after-turns', '0', '--snapshot-out', snap]);
  assert.equal(cap.code, 0, cap.stderr);
  const r = run(['run', '--restore', snap]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, native);
});

test('with shape checks off (THINGSJS_SHAPE_CHECKS=0) the snapshot is the same, and restores the same', () => {
  const fast = path.join(tmp, 'a.snap');
  const exact = path.join(tmp, 'b.snap');
  assert.equal(run(['run', fixture, '--snapshot-after-turns', '0', '--snapshot-out', fast]).code, 0);
  const cap = run(['run', fixture, '--snapshot-after-turns', '0', '--snapshot-out', exact], { THINGSJS_SHAPE_CHECKS: '0' });
  assert.equal(cap.code, 0, cap.stderr);
  assert.deepEqual(body(fast), body(exact));
  const r = run(['run', '--restore', exact]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, native);
});

test('the shape checks are used on this Node.js, and can be turned off', () => {
  const host = new lib.ProgramHost();
  host.install(path.dirname(fixture), path.basename(fixture));
  host.start(fixture);
  host.runtime.pause(false);
  const before = lib.shapeStats.hits;
  const a = host.capture();
  const hits = lib.shapeStats.hits - before;
  // Most of the fixture's objects and arrays are accepted by a shape check.
  assert.ok(hits > a.objects / 2, `${hits} of ${a.objects} objects through shape checks (V8 ${process.versions.v8})`);
  lib.setShapeChecks(false);
  try {
    const b = host.capture();
    assert.equal(lib.shapeStats.hits - before, hits);
    const strip = (s) => s.replace(/"capturedAt":\d+/, '').replace(/"r":[\d.e+-]+,"f"/g, '"f"').replace(/"hash":"[^"]*"/, '');
    assert.equal(strip(b.snapshot), strip(a.snapshot));
  } finally {
    lib.setShapeChecks(true);
  }
  const c = host.capture();
  assert.ok(lib.shapeStats.hits - before > hits, 'turned on again');
  assert.equal(c.bytes, a.bytes);
});

test('a Proxy met where an exemplar matched before is still refused', () => {
  const file = path.join(tmp, 'proxy.js');
  fs.writeFileSync(file, "const list = [[1, 2], [3, 4], new Proxy([5, 6], {}), { a: 1 }];\nconst objs = [{ a: 1 }, { a: 2 }, new Proxy({ a: 3 }, {})];\nsetTimeout(() => console.log(list.length, objs.length), 10);\n");
  const r = run(['run', file, '--snapshot-after-turns', '0', '--snapshot-out', path.join(tmp, 'proxy.snap')]);
  assert.match(r.stderr, /E_NOT_CAPTURABLE/);
  assert.match(r.stderr, /Proxy/);
});
