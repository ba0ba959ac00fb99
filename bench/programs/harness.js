'use strict';
// The measuring frame every run-time program shares. It runs the workload a few times to warm
// up, then times `iterations` more runs with performance.now(), checks every result against
// the expected checksum (a wrong answer throws: a fast wrong run must not count), and prints
// one JSON line:
//   {"bench":NAME,"ms":TIMED_MS,"cpuMs":CPU_MS,"iterations":N,"samples":[MS...],"checksum":C,"maxRSS":KB}
// ms is wall time (performance.now); cpuMs is the process's user+system CPU time over the
// same span (process.cpuUsage, all threads: GC helpers included), less sensitive to other
// load on a shared machine; samples are the timed iterations one by one (their minimum is
// the figure least disturbed by other processes); maxRSS is the peak resident set of the
// whole process.
// The time covers the workload only: process start-up, and the instrumenter's compile time
// when run under `thingsctl run`, come before the first performance.now().
//
// Arguments (both optional): --iterations N, --warmup N.

function option(name, fallback) {
  const i = process.argv.indexOf('--' + name);
  if (i === -1) return fallback;
  const n = Number(process.argv[i + 1]);
  if (!Number.isInteger(n) || n < 0) throw new Error('--' + name + ' takes a whole number');
  return n;
}

function cpuNow() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function report(name, ms, cpuMs, samples, checksum) {
  const line = { bench: name, ms: ms, cpuMs: cpuMs, iterations: samples.length, samples: samples, checksum: checksum, maxRSS: process.resourceUsage().maxRSS };
  process.stdout.write(JSON.stringify(line) + '\n');
}

function verify(name, got, expected) {
  if (got !== expected) throw new Error(name + ': wrong result ' + JSON.stringify(got) + ', expected ' + JSON.stringify(expected));
}

/** A synchronous workload: `run()` returns its checksum. */
function benchSync(name, expected, run, defaults) {
  const warmup = option('warmup', (defaults && defaults.warmup) || 2);
  const iterations = option('iterations', (defaults && defaults.iterations) || 5);
  for (let i = 0; i < warmup; i++) verify(name, run(), expected);
  const samples = [];
  const c0 = cpuNow();
  const t0 = performance.now();
  let t = t0;
  for (let i = 0; i < iterations; i++) {
    verify(name, run(), expected);
    const t1 = performance.now();
    samples.push(t1 - t);
    t = t1;
  }
  const ms = t - t0;
  report(name, ms, cpuNow() - c0, samples, expected);
}

/** An asynchronous workload: `run()` returns a promise of its checksum. */
function benchAsync(name, expected, run, defaults) {
  const warmup = option('warmup', (defaults && defaults.warmup) || 2);
  const iterations = option('iterations', (defaults && defaults.iterations) || 5);
  let t0 = 0;
  let c0 = 0;
  let t = 0;
  let done = 0;
  const samples = [];
  const next = function (value) {
    if (done > 0) verify(name, value, expected);
    if (done > warmup) {
      const t1 = performance.now();
      samples.push(t1 - t);
      t = t1;
    }
    if (done === warmup) {
      c0 = cpuNow();
      t0 = performance.now();
      t = t0;
    }
    if (done === warmup + iterations) {
      const ms = t - t0;
      report(name, ms, cpuNow() - c0, samples, expected);
      return undefined;
    }
    done++;
    return run().then(next);
  };
  next(undefined).catch(function (err) {
    process.stderr.write(String(err && err.stack ? err.stack : err) + '\n');
    process.exitCode = 1;
  });
}

/** A small deterministic PRNG (xorshift32), so no program depends on Math.random. */
function rng(seed) {
  let s = seed >>> 0 || 1;
  return function () {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

/** FNV-1a over a string, as 8 hex digits: the programs' checksum helper. */
function fnv(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return ('0000000' + h.toString(16)).slice(-8);
}

module.exports = { benchSync, benchAsync, rng, fnv };
