// Real-world harness: programs in test/realworld/ use popular pure-JavaScript npm packages (devDependencies, pinned) the
// ordinary way across many event-loop turns. Each runs natively, then through `thingsctl run` with a snapshot after N
// turns and a restore in a fresh process, at 3 cut points (turn 1, the middle, 2 before the end); the stdout of the two
// hops must equal the native stdout and the restored hop must exit with the native exit code.
// The packages' own code must be instrumented (the host's loader instruments node_modules) for their state to migrate.
//
//   node --test test/realworld.test.js                            the programs listed in PASSING
//   THINGSJS_REALWORLD_ALL=1 node --test test/realworld.test.js   also the PENDING ones (reported as todo, never failing)
//   THINGSJS_REALWORLD_ONLY=lodash,ms node --test test/realworld.test.js
//
// CI stays green while features land: a program moves from PENDING to PASSING once it passes here.
'use strict';

// Programs that pass now (keep in sync with the run: `THINGSJS_REALWORLD_ALL=1 node --test test/realworld.test.js`).
const PASSING = ['async', 'bignumber', 'date-fns', 'dayjs', 'eventemitter3', 'immutable', 'lodash', 'marked', 'ms', 'qs', 'semver', 'uuid', 'yaml'];

// Programs that do not pass yet, with their first failure (program, cut point, what went wrong).
const PENDING = {};

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { runProcess, childEnv } = require('./helpers/run-process');
const { createPool } = require('./helpers/pool');
const { firstDifference } = require('./helpers/first-difference');

const ROOT = path.resolve(__dirname, '..');
const DIR = path.join(__dirname, 'realworld');
const THINGSCTL = path.join(ROOT, 'bin', 'thingsctl');
const BUNDLE = path.join(ROOT, 'dist', 'thingsctl.js');
const COUNT_TURNS = path.join(__dirname, 'helpers', 'count-turns.js');
const HOP_TIMEOUT_MS = 60000;

const all = process.env.THINGSJS_REALWORLD_ALL === '1';
const only = (process.env.THINGSJS_REALWORLD_ONLY || '').split(',').filter(Boolean);
const files = fs
  .readdirSync(DIR)
  .filter((name) => name.endsWith('.js'))
  .map((name) => path.basename(name, '.js'))
  .sort();
const selected = files.filter((name) => (only.length ? only.includes(name) : PASSING.includes(name) || all));

const schedule = createPool(Number(process.env.THINGSJS_REALWORLD_WORKERS) || 4);
let tmpDir;
const runs = new Map(); // name -> Promise<{ native, cases }>

function node(args, env) {
  return runProcess(process.execPath, args, { cwd: ROOT, env: childEnv(env), timeoutMs: HOP_TIMEOUT_MS });
}

async function runProgram(name) {
  const file = path.join('test', 'realworld', `${name}.js`);
  const turnsFile = path.join(tmpDir, `${name}.turns`);
  const [native, counted] = await Promise.all([
    schedule(() => node([file])),
    schedule(() => node(['-r', COUNT_TURNS, file], { THINGSJS_TEST_TURNS_FILE: turnsFile })),
  ]);
  const turns = fs.existsSync(turnsFile) ? Number(fs.readFileSync(turnsFile, 'utf8')) : 0;
  native.repeatable = native.stdout.equals(counted.stdout) && native.code === counted.code;
  const cuts = [...new Set([1, Math.max(1, Math.floor(turns / 2)), Math.max(1, turns - 2)])];
  const cases = cuts.map((n) => ({
    n,
    hops: schedule(async () => {
      const snapshot = path.join(tmpDir, `${name}-${n}.snap.json`);
      const first = await node([THINGSCTL, 'run', file, '--snapshot-after-turns', String(n), '--snapshot-out', snapshot]);
      const hops = [{ label: `run ${file} --snapshot-after-turns ${n}`, ...first }];
      if (first.code === 0 && fs.existsSync(snapshot)) {
        hops.push({ label: `run --restore ${path.basename(snapshot)}`, ...(await node([THINGSCTL, 'run', '--restore', snapshot])) });
      }
      return hops;
    }),
  }));
  return { native, turns, cases };
}

function tail(buffer, lines = 12) {
  const text = buffer.toString('utf8').trimEnd();
  return text ? text.split('\n').slice(-lines).map((line) => `    | ${line}`).join('\n') : '    | <empty>';
}

describe('real-world packages: native vs snapshot/restore', () => {
  before(() => {
    assert.ok(fs.existsSync(BUNDLE), `${path.relative(ROOT, BUNDLE)} is missing: run \`npm run build\` first`);
    tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'thingsjs-realworld-'));
    for (const name of selected) {
      const run = runProgram(name);
      run.catch(() => {});
      runs.set(name, run);
    }
  });

  after(() => {
    if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
  });

  test('every program in test/realworld is listed as passing or pending, and there are at least 10', () => {
    assert.ok(files.length >= 10, `only ${files.length} programs in test/realworld`);
    for (const name of files) assert.ok(PASSING.includes(name) !== name in PENDING, `${name} must be in exactly one of PASSING and PENDING`);
    for (const name of [...PASSING, ...Object.keys(PENDING)]) assert.ok(files.includes(name), `${name} is listed but test/realworld/${name}.js does not exist`);
  });

  for (const name of files) {
    const pending = name in PENDING;
    const options = { timeout: 300000 };
    if (!selected.includes(name)) options.skip = pending ? `pending: ${PENDING[name]}` : 'not selected';
    else if (pending) options.todo = `pending: ${PENDING[name]}`;
    test(name, options, async () => {
      const { native, cases } = await runs.get(name);
      assert.ok(native.stdout.toString('utf8').endsWith('ok\n'), `${name} fails its own self-check natively (exit ${native.code}):\n${tail(native.stderr)}`);
      assert.ok(native.repeatable, `${name} is not deterministic: two native runs printed different output`);
      const failures = [];
      for (const { n, hops } of cases) {
        const result = await hops;
        const context = result.map((hop) => `  thingsctl ${hop.label} -> exit ${hop.code}${hop.timedOut ? ' TIMED OUT' : ''}\n  stderr:\n${tail(hop.stderr)}`).join('\n');
        const difference = firstDifference(native.stdout, Buffer.concat(result.map((hop) => hop.stdout)));
        if (result[0].code !== 0) failures.push(`cut at turns=${n}: the capturing hop exited ${result[0].code}\n${context}`);
        else if (result.length !== 2) failures.push(`cut at turns=${n}: no snapshot was written\n${context}`);
        else if (difference) failures.push(`cut at turns=${n}: stdout differs from the native run\n${difference}\n${context}`);
        else if (result[1].code !== native.code) failures.push(`cut at turns=${n}: exit code ${result[1].code}, native ${native.code}\n${context}`);
      }
      if (failures.length) assert.fail(`${name}: ${failures.length} of ${cases.length} cut points failed\n${failures.join('\n')}`);
    });
  }
});
