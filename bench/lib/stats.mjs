// Small statistics for the bench: medians of repeated runs, geometric means of ratios.

export function median(xs) {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

export function geomean(xs) {
  const v = xs.filter((x) => Number.isFinite(x) && x > 0);
  if (v.length === 0) return NaN;
  return Math.exp(v.reduce((a, x) => a + Math.log(x), 0) / v.length);
}

export function mean(xs) {
  const v = xs.filter((x) => Number.isFinite(x));
  return v.length ? v.reduce((a, x) => a + x, 0) / v.length : NaN;
}

export const round = (x, digits = 2) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : null);
