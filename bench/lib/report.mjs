// The printed table and the verdicts against the targets.
import { judge } from './targets.mjs';

const MB = (kb) => (Number.isFinite(kb) ? (kb / 1024).toFixed(1) : '-');
const f = (x, d = 1) => (x === null || x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(d));
const bytes = (b) => (b === null || b === undefined ? '-' : b >= 1e6 ? (b / 1e6).toFixed(2) + ' MB' : b >= 1e3 ? (b / 1e3).toFixed(1) + ' KB' : b + ' B');
const mark = (j) => (j.met ? 'met' : 'MISSED');

function table(headers, rows) {
  const cells = [headers, ...rows].map((r) => r.map((c) => String(c)));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

/** The verdicts, one per target, from whatever parts ran. */
export function verdicts(parts) {
  const out = [];
  const add = (figure, name, value, extra = {}) => out.push({ figure, value, ...judge(name, value), ...extra });
  if (parts.runtime) {
    add('run-time overhead, geometric mean', 'runtimeGeomean', parts.runtime.geomean);
    for (const p of parts.runtime.programs) add(`run-time overhead, ${p.program}`, 'runtimeWorst', p.ratio);
  }
  if (parts.memory) for (const p of parts.memory.programs) add(`peak RSS ratio, ${p.program}`, 'peakRss', p.ratio);
  if (parts.migration) {
    const by = (label) => parts.migration.sizes.find((s) => s.size === label);
    add('migration downtime, 10 KB (median)', 'downtime10k', by('10 KB')?.downtimeMs);
    add('migration downtime, 10 MB (median)', 'downtime10m', by('10 MB')?.downtimeMs);
  }
  if (parts.agent) {
    add('agent idle RSS (median)', 'agentIdleRss', parts.agent.idle?.rssMB);
    add('agent idle CPU', 'agentIdleCpu', parts.agent.idle?.cpuPercent);
    add('agent ready (spawn → connected, median)', 'agentReady', parts.agent.connectedMs);
  }
  if (parts.instrumenter) add('instrumenter throughput (all corpora)', 'instrumenter', parts.instrumenter.overallMBps);
  return out;
}

export function render(result) {
  const { machine: m, parts } = result;
  const s = [];
  s.push(`ThingsJS bench, ${result.mode} mode, ${result.startedAt}`);
  s.push(`machine: ${m.cpu}, ${m.cores} cores, ${m.memGiB} GiB, ${m.os}, ${m.arch}, Node ${m.node}; commit ${m.commit}${m.dirty ? ' (dirty)' : ''}`);
  s.push(`load average before: ${result.loadBefore.one} ${result.loadBefore.five} ${result.loadBefore.fifteen}; after: ${result.loadAfter.one} ${result.loadAfter.five} ${result.loadAfter.fifteen}; took ${(result.durationMs / 1000).toFixed(0)} s`);
  const j = (name, v) => judge(name, v);
  if (parts.runtime) {
    const rt = parts.runtime;
    const mem = parts.memory;
    const via = result.instrumentedVia === 'thingsctl' ? 'under thingsctl run' : "in an agent's program host";
    s.push('', `RUN-TIME OVERHEAD AND PEAK RSS (${rt.rounds} alternating run(s) per side, ${rt.iterations}; instrumented ${via}; ratio = instrumented / native, median)`);
    const rows = rt.programs.map((p) => {
      const mp = mem?.programs.find((x) => x.program === p.program);
      return [p.program, f(p.nativeMs), f(p.instrumentedMs), f(p.ratio, 2) + 'x', f(p.cpuRatio, 2) + 'x', f(p.bestRatio, 2) + 'x', mark(j('runtimeWorst', p.ratio)), MB(p.nativeRssKB), MB(p.instrumentedRssKB), f(p.rssRatio, 2) + 'x', mp ? MB(mp.excessKB) : '-', mark(j('peakRss', p.rssRatio))];
    });
    rows.push(['geometric mean', '', '', f(rt.geomean, 2) + 'x', f(rt.cpuGeomean, 2) + 'x', f(rt.bestGeomean, 2) + 'x', mark(j('runtimeGeomean', rt.geomean)) + ' (≤1.10x)', '', '', '', '', '']);
    s.push(table(['program', 'native ms', 'instr. ms', 'ratio', 'cpu ratio', 'best ratio', '≤1.5x', 'RSS MB', 'instr. RSS MB', 'RSS ratio', 'excess MB', '≤1.15x'], rows));
    s.push('  ms: wall time of the timed iterations (median over rounds); ratio (judged): median of per-round wall ratios; cpu ratio: the same');
    s.push('  with CPU time; best ratio: fastest instrumented iteration / fastest native one.');
    if (rt.failed.length) s.push(`failed or with errors: ${rt.failed.join(', ')}`);
  }
  if (parts.memory) {
    const b = parts.memory.baseline;
    s.push('', `FIXED MEMORY COST (empty program, peak RSS): native ${MB(b.nativeKB)} MB, instrumented (${result.instrumentedVia === 'thingsctl' ? 'thingsctl run' : 'program host'}) ${MB(b.instrumentedKB)} MB, +${MB(b.fixedCostKB)} MB (${f(b.ratio, 2)}x)`);
    s.push('  "excess MB" = instrumented - native - this fixed cost.');
    if (!parts.runtime) {
      s.push(table(['program', 'RSS MB', 'instr. RSS MB', 'RSS ratio', 'excess MB', '≤1.15x'], parts.memory.programs.map((p) => [p.program, MB(p.nativeKB), MB(p.instrumentedKB), f(p.ratio, 2) + 'x', MB(p.excessKB), mark(j('peakRss', p.ratio))])));
    }
  }
  if (parts.snapshot) {
    const sn = parts.snapshot;
    s.push('', `SNAPSHOT (thingsctl run; ${sn.repeats} run(s) per size, medians; start-up to first tick with an empty state: ${f(sn.startupMs)} ms)`);
    s.push(table(
      ['state', 'live (JSON)', 'heap delta', 'snapshot', 'snap/live', 'capture in ms', 'capture out ms', 'restore out ms', 'restore net ms', 'resumed at ms', 'state ok'],
      sn.sizes.map((x) => [x.size, bytes(x.liveBytes), bytes(x.heapBytes), bytes(x.snapshotBytes), f(x.sizeRatio, 2) + 'x', f(x.captureInsideMs), f(x.captureOutsideMs), f(x.restoreOutsideMs), f(x.restoreNetMs), f(x.restoreInsideMs), x.stateOk ? 'yes' : 'NO']),
    ));
    s.push('  capture in = thingsctl\'s own figure (stderr); out = last tick → process exit. restore out = spawn → first tick;');
    s.push('  net = out - start-up; resumed at = performance.now() in the restored process at its first tick.');
    for (const x of sn.sizes) if (x.errors.length) s.push(`  ${x.size} errors: ${x.errors.join('; ')}`);
  }
  if (parts.migration) {
    const mg = parts.migration;
    s.push('', `MIGRATION DOWNTIME (Mosquitto on loopback, two agents; ${mg.hops} migration(s) per size; last tick on source → first tick on target)`);
    s.push(table(
      ['state', 'live (JSON)', 'snapshot', 'median ms', 'min ms', 'max ms', 'target', 'verdict', 'capture ms', 'transfer ms', 'restore ms', 'migrate cmd ms'],
      mg.sizes.map((x) => {
        const name = x.size === '10 KB' ? 'downtime10k' : x.size === '10 MB' ? 'downtime10m' : null;
        const v = name ? j(name, x.downtimeMs) : null;
        return [x.size, bytes(x.liveBytes), bytes(x.snapshotBytes), f(x.downtimeMs), f(x.downtimeMinMs), f(x.downtimeMaxMs), v ? v.target : '-', v ? mark(v) : '-', f(x.captureMs), f(x.transferMs), f(x.restoreMs), f(x.commandMs, 0)];
      }),
    ));
    s.push('  capture, transfer, restore: as the migrate command reports them (medians); the rest of the downtime is the decision and the commit.');
    for (const x of mg.sizes) if (x.errors.length) s.push(`  ${x.size} errors: ${x.errors.join('; ')}`);
  }
  if (parts.agent) {
    const a = parts.agent;
    s.push('', `AGENT (${a.starts} cold starts, medians; idle over ${a.idle.windowMs} ms)`);
    s.push(table(['figure', 'measured', 'target', 'verdict'], [
      ['bare Node: spawn → first line (for scale)', f(a.bareNodeMs, 0) + ' ms', '', ''],
      ['spawn → "initialised" log line', f(a.initialisedMs, 0) + ' ms', '', ''],
      ['spawn → "connected" log line (ready)', f(a.connectedMs, 0) + ' ms', j('agentReady', a.connectedMs).target, mark(j('agentReady', a.connectedMs))],
      ['idle RSS (median; max, VmHWM)', `${f(a.idle.rssMB)} MB (${f(a.idle.rssMaxMB)}, ${f(a.idle.hwmMB)})`, j('agentIdleRss', a.idle.rssMB).target, mark(j('agentIdleRss', a.idle.rssMB))],
      ['idle CPU', f(a.idle.cpuPercent, 2) + ' %', j('agentIdleCpu', a.idle.cpuPercent).target, mark(j('agentIdleCpu', a.idle.cpuPercent))],
    ]));
  }
  if (parts.instrumenter) {
    const ins = parts.instrumenter;
    s.push('', 'INSTRUMENTER THROUGHPUT (dist/lib.js instrument(), in memory; MB = 10^6 bytes of source)');
    s.push(table(['corpus', 'source', 'MB/s', 'cold MB/s', 'refused'], ins.results.map((x) => [x.corpus, bytes(x.totalBytes), f(x.MBps, 2), f(x.coldMBps, 2), String(x.failures.length)])));
    s.push(`all corpora: ${f(ins.overallMBps, 2)} MB/s — target ${j('instrumenter', ins.overallMBps).target}: ${mark(j('instrumenter', ins.overallMBps))}`);
  }
  if (result.errors.length) s.push('', 'PART FAILURES:', ...result.errors.map((e) => `  ${e.part}: ${e.message}`));
  const v = result.verdicts;
  const missed = v.filter((x) => !x.met);
  s.push('', `TARGETS: ${v.length - missed.length} met, ${missed.length} missed`);
  for (const x of missed) s.push(`  MISSED ${x.figure}: ${x.value ?? 'not measured'} (target ${x.target}; ${x.gap})`);
  return s.join('\n');
}
