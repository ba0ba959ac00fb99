// Instrumenter throughput in MB/s (10^6 bytes of source per second) over real libraries from
// node_modules: lodash.js (one large CommonJS file), date-fns' CommonJS files (many small
// ones), immutable.js and marked. Measured in a child process on the Node under test,
// after one cold pass (also reported), repeating each corpus for at least minMs.
import fs from 'node:fs';
import path from 'node:path';
import { runToEnd } from '../proc.mjs';
import { round } from '../stats.mjs';

function corpora(root) {
  const nm = 'node_modules';
  const dateFns = fs
    .readdirSync(path.join(root, nm, 'date-fns'))
    .filter((f) => f.endsWith('.cjs'))
    .sort()
    .map((f) => `${nm}/date-fns/${f}`);
  return [
    { name: 'lodash (lodash.js)', files: [`${nm}/lodash/lodash.js`], goal: 'script' },
    { name: `date-fns (${dateFns.length} .cjs files)`, files: dateFns, goal: 'script' },
    { name: 'immutable (dist/immutable.js)', files: [`${nm}/immutable/dist/immutable.js`], goal: 'script' },
    { name: 'marked (lib/marked.cjs)', files: [`${nm}/marked/lib/marked.cjs`], goal: 'script' },
  ].filter((c) => c.files.every((f) => fs.existsSync(path.join(root, f))));
}

export async function instrumenterPart(ctx) {
  const spec = { root: ctx.root, corpora: corpora(ctx.root), minMs: ctx.full ? 3000 : 1000 };
  const r = await runToEnd(ctx.node, [path.join(ctx.root, 'bench', 'lib', 'instrument-throughput.cjs'), JSON.stringify(spec)], { timeoutMs: 600000 });
  if (r.code !== 0) throw new Error(`instrumenter bench failed (${r.code ?? r.signal}): ${r.stderr.trim().slice(-500)}`);
  const out = JSON.parse(r.stdout.trim().split('\n').pop());
  const results = out.results.map((x) => ({ ...x, MBps: round(x.MBps, 2), coldMBps: round(x.coldMBps, 2), ms: round(x.ms, 0) }));
  const bytes = results.reduce((a, x) => a + x.bytes * x.reps, 0);
  const ms = results.reduce((a, x) => a + x.ms, 0);
  const overall = round(bytes / 1e6 / (ms / 1000), 2);
  for (const x of results) ctx.log(`  ${x.corpus}: ${x.MBps} MB/s (cold ${x.coldMBps} MB/s)${x.failures.length ? `, ${x.failures.length} files refused` : ''}`);
  // The figure judged: the slowest corpus (a target for source in general should hold for each).
  const slowest = results.reduce((a, b) => (b.MBps < a.MBps ? b : a));
  return { results, overallMBps: overall, slowestMBps: slowest.MBps, slowest: slowest.corpus, maxRSS: out.maxRSS };
}
