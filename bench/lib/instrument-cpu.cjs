'use strict';
// CPU time of instrument() over the bench's corpora, for before/after comparisons on a
// shared machine (wall clock swings with the load; CPU time much less, above all under
// `node --single-threaded`, where GC and JIT run on the main thread).
//
//   node --single-threaded bench/lib/instrument-cpu.cjs DIST [passes] [corpus-filter]
//
// Prints, per corpus, the CPU ms of the first (cold) pass and the best and median of the
// next `passes` passes, with the MB/s those make; then the totals.
const fs = require('node:fs');
const path = require('node:path');

const dist = path.resolve(process.argv[2] || 'dist');
const passes = Number(process.argv[3] || 5);
const filter = process.argv[4] || '';
const root = path.resolve(__dirname, '..', '..');
const { instrument } = require(path.join(dist, 'lib.js'));
const nm = path.join(root, 'node_modules');
const dateFns = fs.readdirSync(path.join(nm, 'date-fns')).filter((f) => f.endsWith('.cjs')).sort().map((f) => path.join(nm, 'date-fns', f));
const corpora = [
  ['lodash', [path.join(nm, 'lodash/lodash.js')]],
  ['date-fns', dateFns],
  ['immutable', [path.join(nm, 'immutable/dist/immutable.js')]],
  ['marked', [path.join(nm, 'marked/lib/marked.cjs')]],
].filter(([name]) => name.includes(filter));

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
let coldTotal = 0;
let warmTotal = 0;
let bestTotal = 0;
let sumTotal = 0;
let bytesTotal = 0;
for (const [name, files] of corpora) {
  const texts = files.map((f) => fs.readFileSync(f, 'utf8'));
  const bytes = texts.reduce((a, t) => a + Buffer.byteLength(t), 0);
  const run = () => {
    const c0 = cpu();
    for (const t of texts) instrument(t, { goal: 'script' });
    return cpu() - c0;
  };
  const cold = run();
  const warm = [];
  for (let i = 0; i < passes; i++) warm.push(run());
  warm.sort((a, b) => a - b);
  const med = warm[warm.length >> 1];
  coldTotal += cold;
  warmTotal += med;
  bestTotal += warm[0];
  sumTotal += warm.reduce((a, b) => a + b, 0);
  bytesTotal += bytes;
  const mbps = (ms) => ((bytes / 1e6) / (ms / 1000)).toFixed(2);
  console.log(`${name.padEnd(10)} cold ${cold.toFixed(0).padStart(5)} ms (${mbps(cold)} MB/s)  warm best ${warm[0].toFixed(0).padStart(4)} median ${med.toFixed(0).padStart(4)} ms (${mbps(med)} MB/s)`);
}
const mbps = (ms) => ((bytesTotal / 1e6) / (ms / 1000)).toFixed(2);
console.log(`all        cold ${coldTotal.toFixed(0)} ms (${mbps(coldTotal)} MB/s)  warm median ${warmTotal.toFixed(0)} ms (${mbps(warmTotal)} MB/s)  best ${bestTotal.toFixed(0)} ms (${mbps(bestTotal)} MB/s)  all warm passes ${sumTotal.toFixed(0)} ms (${mbps(sumTotal / passes)} MB/s)`);
