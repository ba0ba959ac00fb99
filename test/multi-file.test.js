// Programs of several files (test/programs-multi/<name>/): CommonJS and ES modules, circular
// requires, vendored node_modules. Each runs natively, then through `thingsctl run` with
// snapshot -> restore in fresh processes at several cut points; the concatenated stdout of
// all hops must equal the native stdout.
//
//   npm run build && node --test test/multi-file.test.js
'use strict';

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { runProcess } = require('./helpers/run-process');
const { firstDifference } = require('./helpers/first-difference');

const ROOT = path.resolve(__dirname, '..');
const MULTI = path.join(__dirname, 'programs-multi');
const THINGSCTL = path.join(ROOT, 'bin', 'thingsctl');
const BUNDLE = path.join(ROOT, 'dist', 'thingsctl.js');

// name -> what `node` is given (a directory, or an ES-module main file)
const PROGRAMS = {
  'cjs-app': 'cjs-app',
  circular: 'circular',
  'cjs-uses-esm': 'cjs-uses-esm',
  'esm-uses-cjs': 'esm-uses-cjs',
  'esm-live': 'esm-live/main.mjs',
  'vendored-dep': 'vendored-dep',
  'late-require': 'late-require',
};
// Cut points in event-loop turns; every program runs at least 9 turns. One cut = one capture
// and one restore; a list of three = four hops.
const CASES = [[1], [3], [6], [2, 3, 2]];

let tmpDir;
const node = (args, cwd = ROOT) => runProcess(process.execPath, args, { cwd, timeoutMs: 60000 });
const thingsctl = (args, cwd) => node([THINGSCTL, ...args], cwd);

/** Runs the hops of one case; returns them and the snapshot files written. */
async function migrate(target, cuts, id, cwd) {
  const hops = [];
  const snapshots = [];
  let from = null;
  for (let i = 0; i <= cuts.length; i++) {
    const snap = path.join(tmpDir, `${id}-${i + 1}.snap.json`);
    const capture = i < cuts.length ? ['--snapshot-after-turns', String(cuts[i]), '--snapshot-out', snap] : [];
    const args = ['run', ...(from ? ['--restore', from] : [target]), ...capture];
    const r = await thingsctl(args, cwd);
    hops.push({ args, ...r });
    if (!capture.length) break;
    assert.equal(r.code, 0, `hop ${i + 1} (thingsctl ${args.join(' ')}) failed:\n${r.stderr}`);
    assert.ok(fs.existsSync(snap), `hop ${i + 1} wrote no snapshot (the program ended before turn ${cuts[i]}?):\n${r.stderr}`);
    snapshots.push(snap);
    from = snap;
  }
  return { hops, snapshots };
}

function sameOutput(native, hops, what) {
  const out = Buffer.concat(hops.map((h) => h.stdout));
  const diff = firstDifference(native.stdout, out);
  const stderr = hops.map((h, i) => `hop ${i + 1}: ${h.stderr.toString().trim()}`).join('\n');
  if (diff) assert.fail(`${what}: stdout differs from the native run\n${diff}\n${stderr}`);
  assert.equal(hops[hops.length - 1].code, native.code, `${what}: exit code differs\n${stderr}`);
}

const body = (snap) => JSON.parse(fs.readFileSync(snap, 'utf8')).body;

describe('programs of several files', () => {
  before(() => {
    assert.ok(fs.existsSync(BUNDLE), 'dist/thingsctl.js is missing: run `npm run build` first');
    tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'thingsjs-multi-'));
  });
  after(() => {
    if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
  });

  test('the vendored dependency is present (.gitignore must not drop it)', () => {
    assert.ok(fs.existsSync(path.join(MULTI, 'vendored-dep', 'node_modules', 'tiny-lru', 'lib', 'lru.js')), 'test/programs-multi/vendored-dep/node_modules is missing');
  });

  for (const [name, rel] of Object.entries(PROGRAMS)) {
    test(name, { timeout: 240000 }, async (t) => {
      const target = path.join('test', 'programs-multi', rel);
      const native = await node([target]);
      assert.ok(native.stdout.toString().endsWith('ok\n'), `${name} fails natively:\n${native.stderr}`);
      const whole = await thingsctl(['run', target]);
      await t.test('instrumented, no capture', () => sameOutput(native, [whole], 'no capture'));
      const runs = await Promise.all(CASES.map((cuts, i) => migrate(target, cuts, `${name}-${i}`)));
      for (let i = 0; i < CASES.length; i++) {
        const what = `cuts at turns ${CASES[i].join(' -> ')}`;
        await t.test(what, () => sameOutput(native, runs[i].hops, what));
      }
      // Every program module is instrumented and travels in the snapshot.
      const keys = body(runs[1].snapshots[0]).modules.map((m) => m.key);
      assert.ok(keys.length > 1, `only ${keys.join(',')} in the snapshot`);
      if (name === 'vendored-dep') assert.ok(keys.includes('node_modules/tiny-lru/lib/lru.js') && keys.includes('node_modules/seq-id/index.js'), keys.join(','));
      if (name === 'cjs-app') assert.deepEqual(body(runs[1].snapshots[0]).program.main, 'src/app.js');
    });
  }

  test('a module required for the first time after a restore is loaded and instrumented', async () => {
    const target = path.join('test', 'programs-multi', 'late-require');
    const native = await node([target]);
    // Capture at turn 2 (plugins/late.js not loaded yet); the restored process loads it at its
    // third turn and is captured at its fifth, with the plugin's closures in the snapshot.
    const { hops, snapshots } = await migrate(target, [2, 5], 'late');
    sameOutput(native, hops, 'late require');
    assert.ok(!body(snapshots[0]).modules.some((m) => m.key === 'plugins/late.js'), 'plugins/late.js was loaded too early');
    const late = body(snapshots[1]).modules.find((m) => m.key === 'plugins/late.js');
    assert.ok(late && late.code.startsWith('/* thingsjs-instrumented'), 'plugins/late.js is not in the second snapshot, instrumented');
    const all = Buffer.concat(hops.map((h) => h.stdout)).toString();
    assert.equal(all.split('early.js runs its top level').length, 2, 'early.js ran its top level again');
  });

  test('after a restore, require() of a restored module works without its file and does not re-run it', async () => {
    const copy = path.join(tmpDir, 'late-copy');
    fs.cpSync(path.join(MULTI, 'late-require'), copy, { recursive: true });
    const native = await node([copy]);
    const snap = path.join(tmpDir, 'late-copy.snap.json');
    const first = await thingsctl(['run', copy, '--snapshot-after-turns', '6', '--snapshot-out', snap]);
    assert.equal(first.code, 0, first.stderr.toString());
    // The program requires './early' and './plugins/late' again later: both were loaded.
    fs.rmSync(path.join(copy, 'early.js'));
    fs.rmSync(path.join(copy, 'plugins'), { recursive: true });
    const second = await thingsctl(['run', '--restore', snap], tmpDir);
    sameOutput(native, [first, second], 'restore without the files');
  });

  test('top-level await in an ES module is refused with E_UNSUPPORTED_SYNTAX', async () => {
    const dir = path.join(tmpDir, 'tla');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'main.mjs'), "console.log('never');\nawait Promise.resolve(1);\n");
    const r = await thingsctl(['run', path.join(dir, 'main.mjs')]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr.toString(), /E_UNSUPPORTED_SYNTAX/);
    assert.equal(r.stdout.toString(), '');
  });
});
