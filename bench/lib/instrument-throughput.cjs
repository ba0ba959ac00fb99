'use strict';
// Instrumenter throughput, in its own process (run by bench/lib/parts/instrumenter.mjs with
// the Node under test): `instrument()` from dist/lib.js over real sources, timed in memory
// (no file I/O inside the clock). argv[2]: JSON { root, corpora: [{ name, files, goal }],
// minMs }. Prints one JSON line.
const fs = require('node:fs');
const path = require('node:path');

const { root, corpora, minMs } = JSON.parse(process.argv[2]);
const { instrument } = require(path.join(root, 'dist', 'lib.js'));

const results = [];
for (const corpus of corpora) {
  const sources = corpus.files.map((f) => ({ file: f, text: fs.readFileSync(path.join(root, f), 'utf8') }));
  const failures = [];
  const ok = [];
  // First pass: cold (the compiler's own code not yet optimised for this input), and drops
  // the files the instrumenter refuses.
  const c0 = performance.now();
  for (const s of sources) {
    try {
      instrument(s.text, { filename: s.file, goal: corpus.goal });
      ok.push(s);
    } catch (err) {
      failures.push({ file: s.file, error: String(err && err.message).slice(0, 200) });
    }
  }
  const coldMs = performance.now() - c0;
  const bytes = ok.reduce((a, s) => a + Buffer.byteLength(s.text), 0);
  const totalBytes = sources.reduce((a, s) => a + Buffer.byteLength(s.text), 0);
  let reps = 0;
  let outBytes = 0;
  const t0 = performance.now();
  while (reps < 2 || performance.now() - t0 < minMs) {
    outBytes = 0;
    for (const s of ok) outBytes += instrument(s.text, { filename: s.file, goal: corpus.goal }).code.length;
    reps++;
  }
  const ms = performance.now() - t0;
  results.push({
    corpus: corpus.name,
    files: sources.length,
    filesInstrumented: ok.length,
    bytes,
    totalBytes,
    outputChars: outBytes,
    coldMBps: (totalBytes / 1e6) / (coldMs / 1000),
    reps,
    ms,
    MBps: ((bytes * reps) / 1e6) / (ms / 1000),
    failures,
  });
}
process.stdout.write(JSON.stringify({ results, maxRSS: process.resourceUsage().maxRSS }) + '\n');
