#!/usr/bin/env node
// The benchmark harness of issue 7 (npm run bench). Not part of npm test.
//
//   npm run bench                      quick mode (CI-sized, a few minutes at most)
//   npm run bench -- --full            the full run, for the record
//   node scripts/bench.mjs --only runtime,snapshot   some parts only
//   node scripts/bench.mjs --node /opt/node18/package/bin/node   programs and agents on that Node
//   node scripts/bench.mjs --only runtime --programs async,splay   some run-time programs only
//   node scripts/bench.mjs --via thingsctl   instrumented programs under `thingsctl run`
//                                            instead of in an agent's program host
//   options: --no-build (use dist/ as it is), --quiet
//
// Parts: runtime, memory, snapshot, migration, agent, instrumenter (see docs/benchmarks.md).
// Prints a table and writes bench/results/<timestamp>-<mode>.json and
// bench/results/latest-<mode>.json (with --only: <timestamp>-<mode>-<parts>.json, and
// latest-<mode>.json is left alone, so it always holds a complete run).
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { machine, loadAverage } from '../bench/lib/machine.mjs';
import { runtimePart, PROGRAMS } from '../bench/lib/parts/runtime.mjs';
import { memoryPart } from '../bench/lib/parts/memory.mjs';
import { snapshotPart } from '../bench/lib/parts/snapshot.mjs';
import { migrationPart } from '../bench/lib/parts/migration.mjs';
import { agentPart } from '../bench/lib/parts/agent.mjs';
import { instrumenterPart } from '../bench/lib/parts/instrumenter.mjs';
import { render, verdicts } from '../bench/lib/report.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PARTS = { runtime: runtimePart, memory: memoryPart, snapshot: snapshotPart, migration: migrationPart, agent: agentPart, instrumenter: instrumenterPart };

function parseArgs(argv) {
  const opts = { full: false, only: null, programs: null, node: process.execPath, build: true, quiet: false, via: 'host' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--full') opts.full = true;
    else if (a === '--quick') opts.full = false;
    else if (a === '--only') opts.only = argv[++i];
    else if (a.startsWith('--only=')) opts.only = a.slice(7);
    else if (a === '--node') opts.node = argv[++i];
    else if (a === '--programs') opts.programs = argv[++i].split(',').map((p) => p.trim()).filter(Boolean);
    else if (a === '--no-build') opts.build = false;
    else if (a === '--via') opts.via = argv[++i];
    else if (a === '--quiet') opts.quiet = true;
    else if (a === '--help' || a === '-h') {
      console.log('usage: node scripts/bench.mjs [--full] [--only PART[,PART...]] [--programs NAME[,NAME...]] [--node PATH] [--via host|thingsctl] [--no-build] [--quiet]\nparts: ' + Object.keys(PARTS).join(', ') + '\nprograms: ' + PROGRAMS.join(', '));
      process.exit(0);
    } else {
      console.error(`bench: unknown argument ${a} (try --help)`);
      process.exit(2);
    }
  }
  if (opts.programs) {
    const bad = opts.programs.filter((p) => !PROGRAMS.includes(p));
    if (bad.length) {
      console.error(`bench: unknown program ${bad.join(', ')}; programs: ${PROGRAMS.join(', ')}`);
      process.exit(2);
    }
  }
  if (opts.via !== 'host' && opts.via !== 'thingsctl') {
    console.error(`bench: --via takes host or thingsctl, not ${opts.via}`);
    process.exit(2);
  }
  if (opts.only) {
    opts.only = opts.only.split(',').map((s) => s.trim()).filter(Boolean);
    const bad = opts.only.filter((p) => !PARTS[p]);
    if (bad.length) {
      console.error(`bench: unknown part ${bad.join(', ')}; parts: ${Object.keys(PARTS).join(', ')}`);
      process.exit(2);
    }
  }
  return opts;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.build) {
    const b = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });
    if (b.status !== 0) process.exit(b.status ?? 1);
  }
  for (const f of ['thingsctl.js', 'thingsjs-agent.js', 'child.js', 'lib.js']) {
    if (!fs.existsSync(path.join(root, 'dist', f))) throw new Error(`dist/${f} is missing: run \`npm run build\` first`);
  }
  const mode = opts.full ? 'full' : 'quick';
  const log = opts.quiet ? () => undefined : (line) => process.stderr.write(line + '\n');
  const ctx = {
    root,
    full: opts.full,
    node: opts.node,
    thingsctl: path.join(root, 'dist', 'thingsctl.js'),
    agent: path.join(root, 'dist', 'thingsjs-agent.js'),
    programs: opts.programs,
    via: opts.via,
    hostRun: path.join(root, 'bench', 'lib', 'host-run.mjs'),
    log,
  };
  const selected = opts.only ?? Object.keys(PARTS);
  const started = Date.now();
  const result = {
    mode,
    parts_run: selected,
    startedAt: new Date(started).toISOString(),
    machine: machine(root, opts.node),
    instrumentedVia: opts.via,
    loadBefore: loadAverage(),
    parts: {},
    errors: [],
  };
  log(`bench (${mode}): ${selected.join(', ')}; load average ${result.loadBefore.one}`);
  for (const name of Object.keys(PARTS)) {
    if (!selected.includes(name)) continue;
    log(`${name}...`);
    const t0 = Date.now();
    try {
      result.parts[name] = name === 'memory' ? await memoryPart(ctx, result.parts.runtime) : await PARTS[name](ctx);
      result.parts[name].seconds = Math.round((Date.now() - t0) / 1000);
    } catch (err) {
      result.errors.push({ part: name, message: err.message });
      log(`  ${name} FAILED: ${err.message}`);
    }
  }
  result.durationMs = Date.now() - started;
  result.loadAfter = loadAverage();
  result.verdicts = verdicts(result.parts);

  const dir = path.join(root, 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const stamp = result.startedAt.replace(/[:.]/g, '-');
  const partial = Boolean(opts.only || opts.programs);
  const suffix = partial ? `${mode}-${selected.join('+')}${opts.programs ? '-' + opts.programs.join('+') : ''}` : mode;
  const text = JSON.stringify(result, null, 2) + '\n';
  const file = path.join(dir, `${stamp}-${suffix}.json`);
  fs.writeFileSync(file, text);
  if (!partial) fs.writeFileSync(path.join(dir, `latest-${mode}.json`), text);
  console.log(render(result));
  console.log(`\nwritten: ${path.relative(root, file)}${partial ? '' : ` and bench/results/latest-${mode}.json`}`);
  // Missed targets are findings, not failures; a part that could not be measured is.
  process.exitCode = result.errors.length ? 1 : 0;
}

main().catch((err) => {
  console.error(`bench: ${err.stack || err.message}`);
  process.exit(1);
});
