// Run-time overhead and peak RSS of the CPU-bound programs, natively and instrumented.
//
// Each program measures itself (bench/programs/harness.js): wall and CPU time of its timed
// iterations after a warm-up, and its peak RSS at the end. Native: `node prog.js`.
// Instrumented (default, `--via host`): in a program host, dist/child.js, started and sent the
// program as an agent does (bench/lib/host-run.mjs); the host instruments the program when it
// loads and runs it under the runtime. With `--via thingsctl`: `node dist/thingsctl.js run
// prog.js` (the CLI's bundle in the program's process too). Either way the compile happens
// before the program's clock starts.
// Runs alternate (native first on even rounds, instrumented first on odd ones) so drift in the
// machine's load hits both sides alike. Ratio per program: the median of the per-round
// ratios instrumented/native. Beside it, two figures steadier on a shared machine: the same
// median of CPU-time ratios, and the best-iteration ratio (fastest timed iteration
// instrumented / fastest native, over all rounds: other processes only ever add time).
import path from 'node:path';
import { runToEnd } from '../proc.mjs';
import { median, geomean, round } from '../stats.mjs';

export const PROGRAMS = ['scheduler', 'constraints', 'raytracer', 'splay', 'crypto', 'regexp', 'fluid', 'interpreter', 'json', 'classes-closures', 'async'];

function parseReport(r, name) {
  if (r.code !== 0 || r.timedOut) throw new Error(`${name}: exit ${r.timedOut ? 'timeout' : r.code ?? r.signal}: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`);
  const line = r.stdout.trim().split('\n').reverse().find((l) => l.startsWith('{"bench"'));
  if (!line) throw new Error(`${name}: no report line in its output`);
  const rep = JSON.parse(line);
  rep.processMs = r.endMs - r.startMs; // whole process, start-up and compile included
  return rep;
}

export async function runOne(ctx, name, mode, extraArgs = []) {
  const file = path.join(ctx.root, 'bench', 'programs', name + '.js');
  const args = mode === 'native' ? [file, ...extraArgs] : ctx.via === 'thingsctl' ? [ctx.thingsctl, 'run', file, '--', ...extraArgs] : [ctx.hostRun, file, ...extraArgs];
  const r = await runToEnd(ctx.node, args, { cwd: ctx.root, timeoutMs: 600000 });
  return parseReport(r, `${name} (${mode})`);
}

export async function runtimePart(ctx) {
  const rounds = ctx.full ? 5 : 1;
  const iterArgs = ctx.full ? [] : ['--warmup', '1', '--iterations', '2'];
  const results = [];
  for (const name of ctx.programs ?? PROGRAMS) {
    const row = { program: name, native: [], instrumented: [], errors: [] };
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? ['native', 'instrumented'] : ['instrumented', 'native'];
      const pair = {};
      for (const mode of order) {
        try {
          pair[mode] = await runOne(ctx, name, mode, iterArgs);
        } catch (err) {
          row.errors.push(err.message);
        }
      }
      if (pair.native && pair.instrumented) {
        row.native.push(pair.native);
        row.instrumented.push(pair.instrumented);
      }
    }
    const ratios = row.native.map((n, i) => row.instrumented[i].ms / n.ms);
    const cpuRatios = row.native.map((n, i) => row.instrumented[i].cpuMs / n.cpuMs);
    const rssRatios = row.native.map((n, i) => row.instrumented[i].maxRSS / n.maxRSS);
    const summary = {
      program: name,
      runs: ratios.length,
      nativeMs: round(median(row.native.map((r) => r.ms)), 1),
      instrumentedMs: round(median(row.instrumented.map((r) => r.ms)), 1),
      ratio: round(median(ratios), 3),
      cpuRatio: round(median(cpuRatios), 3),
      bestRatio: round(Math.min(...row.instrumented.flatMap((r) => r.samples)) / Math.min(...row.native.flatMap((r) => r.samples)), 3),
      ratioMin: round(Math.min(...ratios), 3),
      ratioMax: round(Math.max(...ratios), 3),
      nativeProcessMs: round(median(row.native.map((r) => r.processMs)), 0),
      instrumentedProcessMs: round(median(row.instrumented.map((r) => r.processMs)), 0),
      nativeRssKB: median(row.native.map((r) => r.maxRSS)),
      instrumentedRssKB: median(row.instrumented.map((r) => r.maxRSS)),
      rssRatio: round(median(rssRatios), 3),
      errors: row.errors,
    };
    results.push(summary);
    ctx.log(`  ${name}: ${summary.ratio === null ? 'FAILED' : summary.ratio + 'x'} (native ${summary.nativeMs} ms, instrumented ${summary.instrumentedMs} ms)${row.errors.length ? ' ERRORS: ' + row.errors.join('; ') : ''}`);
  }
  const ok = results.filter((r) => r.ratio !== null);
  return {
    rounds,
    iterations: ctx.full ? 'program defaults (warm-up 2, timed 5)' : 'warm-up 1, timed 2',
    programs: results,
    geomean: round(geomean(ok.map((r) => r.ratio)), 3),
    cpuGeomean: round(geomean(ok.map((r) => r.cpuRatio)), 3),
    bestGeomean: round(geomean(ok.map((r) => r.bestRatio)), 3),
    worst: ok.length ? ok.reduce((a, b) => (b.ratio > a.ratio ? b : a)) : null,
    failed: results.filter((r) => r.ratio === null || r.errors.length).map((r) => r.program),
  };
}
