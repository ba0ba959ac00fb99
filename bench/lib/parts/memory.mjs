// Peak RSS. Per program: the maxRSS each program reports at its end, from the same runs as
// the run-time figures (the runtime part must run first; alone, it runs them once). The
// fixed cost: the empty program, natively and instrumented (in a program host: Node plus the
// host's bundle, the runtime, and the compiler it loads to instrument the program; or under
// `thingsctl run` with --via thingsctl), so a reader can tell it from growth with the state.
import { runOne, runtimePart } from './runtime.mjs';
import { median, round } from '../stats.mjs';

export async function memoryPart(ctx, runtime) {
  const rounds = ctx.full ? 5 : 2;
  const native = [];
  const instrumented = [];
  for (let i = 0; i < rounds; i++) {
    native.push((await runOne(ctx, 'empty', 'native')).maxRSS);
    instrumented.push((await runOne(ctx, 'empty', 'instrumented')).maxRSS);
  }
  const baseline = { nativeKB: median(native), instrumentedKB: median(instrumented) };
  baseline.fixedCostKB = baseline.instrumentedKB - baseline.nativeKB;
  baseline.ratio = round(baseline.instrumentedKB / baseline.nativeKB, 3);
  ctx.log(`  empty program: native ${(baseline.nativeKB / 1024).toFixed(1)} MB, instrumented ${(baseline.instrumentedKB / 1024).toFixed(1)} MB`);

  const rt = runtime ?? (await runtimePart({ ...ctx, full: false }));
  const programs = rt.programs.map((p) => ({
    program: p.program,
    nativeKB: p.nativeRssKB,
    instrumentedKB: p.instrumentedRssKB,
    ratio: p.rssRatio,
    // What the instrumented run holds beyond the native one, less the fixed cost above.
    excessKB: Number.isFinite(p.instrumentedRssKB - p.nativeRssKB) ? p.instrumentedRssKB - p.nativeRssKB - baseline.fixedCostKB : null,
  }));
  const ok = programs.filter((p) => p.ratio !== null);
  return {
    baseline,
    programs,
    worst: ok.length ? ok.reduce((a, b) => (b.ratio > a.ratio ? b : a)) : null,
  };
}
