// The targets of issue 7, in one place. Each: the figure it judges, how, and the bound.
// `check(value)` is true when met; a missing value (a failed measurement) is never met.

export const TARGETS = {
  runtimeGeomean: { text: '≤ 1.10x', bound: 1.1, unit: 'x' },
  runtimeWorst: { text: '≤ 1.5x (each program)', bound: 1.5, unit: 'x' },
  peakRss: { text: '≤ 1.15x (each program)', bound: 1.15, unit: 'x' },
  downtime10k: { text: '≤ 50 ms', bound: 50, unit: 'ms' },
  downtime10m: { text: '≤ 1000 ms', bound: 1000, unit: 'ms' },
  agentIdleRss: { text: '≤ 45 MB', bound: 45, unit: 'MB' },
  agentIdleCpu: { text: '< 0.5 %', bound: 0.5, unit: '%', strict: true },
  agentReady: { text: '≤ 300 ms', bound: 300, unit: 'ms' },
  instrumenter: { text: '≥ 5 MB/s', bound: 5, unit: 'MB/s', atLeast: true },
};

/** { target, met, gap } for a value against a named target. `gap` is how far off a miss is. */
export function judge(name, value) {
  const t = TARGETS[name];
  if (value === null || value === undefined || !Number.isFinite(value)) return { target: t.text, met: false, gap: 'not measured' };
  let met;
  if (t.atLeast) met = value >= t.bound;
  else if (t.strict) met = value < t.bound;
  else met = value <= t.bound;
  let gap = null;
  if (!met) {
    const amount = Math.abs(value - t.bound).toFixed(2) + (t.unit === 'x' ? 'x' : ' ' + t.unit);
    gap = `${amount} ${t.atLeast ? 'under' : 'over'} (${(value / t.bound).toFixed(2)}x the bound)`;
  }
  return { target: t.text, met, gap };
}
