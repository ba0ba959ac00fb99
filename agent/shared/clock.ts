/**
 * Monotonic milliseconds (from an arbitrary origin), for the runtime's virtual clock and the
 * host's timings. Not the global `performance`: a program can replace it, and in a program
 * host the first read of it loads Node's perf_hooks (ten modules) and walks them into the
 * built-in table. `process.hrtime` is taken when this module loads, before any program runs,
 * and costs what performance.now() does (~70 ns).
 */
const hrtime = process.hrtime;

export function monotonicMs(): number {
  const t = hrtime();
  return t[0] * 1e3 + t[1] / 1e6;
}
