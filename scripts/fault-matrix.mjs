#!/usr/bin/env node
// The full fault-injection matrix of the migration handoff (docs/migration.md, "Proof"), and
// the concurrency test, with a real Mosquitto and real agent processes. Prints a results
// table; exits 1 if any case failed.
//
//   node scripts/fault-matrix.mjs                      every case, then 20 programs shuffled
//   node scripts/fault-matrix.mjs --only drop          cases whose step:fault contains a word
//   node scripts/fault-matrix.mjs --no-shuffle         the matrix only
//   node scripts/fault-matrix.mjs --shuffle-only [--programs 20] [--rounds 2]
//   node scripts/fault-matrix.mjs --json FILE          the results as JSON too
//
// Needs the build (npm run build) and /usr/sbin/mosquitto. About 20 s a case on a loaded
// 2-core machine.
import { createRequire } from 'node:module';
import fs from 'node:fs';

const require = createRequire(import.meta.url);
const { MigrationLab } = require('../test/e2e/support/migration-lab.js');
const { STEPS, FAULTS, planOf, allCases, runCase } = require('../test/e2e/support/fault-cases.js');
const { shuffle } = require('../test/e2e/support/shuffle.js');

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const value = (name, dflt) => {
  const i = args.indexOf(name);
  return i === -1 ? dflt : args[i + 1];
};
const only = [];
for (let i = 0; i < args.length; i++) if (args[i] === '--only') only.push(args[++i]);

const results = [];
const cases = flag('--shuffle-only') ? [] : allCases().filter((c) => only.length === 0 || only.some((w) => `${c.step}:${c.fault}`.includes(w)));

const lab = new MigrationLab('fault-matrix', {
  // Small messages: every snapshot of the counter goes in chunks.
  brokerConf: { max_packet_size: '16K' },
});
await lab.start();
let n = 0;
try {
  for (const c of cases) {
    n += 1;
    process.stdout.write(`[${n}/${cases.length}] ${c.step} × ${c.fault}: ${c.plan.how} ... `);
    try {
      const r = await runCase(lab, n, c);
      results.push({ step: c.step, fault: c.fault, ok: true, ...r });
      process.stdout.write(`ok, ${r.outcome} (on ${r.holder}), ${r.report}${r.repeats ? `, ${r.repeats} lines printed again (run after the capture, before the crash)` : ''}, ${(r.ms / 1000).toFixed(1)} s\n`);
    } catch (err) {
      results.push({ step: c.step, fault: c.fault, ok: false, error: err.message.split('\n')[0] });
      process.stdout.write(`FAILED: ${err.message}\n`);
      await lab.stopAgents().catch(() => undefined);
    }
  }
  if (!flag('--no-shuffle') && only.length === 0) {
    const programs = Number(value('--programs', 20));
    const rounds = Number(value('--rounds', 2));
    process.stdout.write(`shuffle: ${programs} programs among 3 agents, ${rounds} rounds of concurrent migrations ... `);
    try {
      const r = await shuffle(lab, { programs, rounds, prefix: 'x' });
      results.push({ step: 'concurrent', fault: `${programs} programs × ${rounds} rounds`, ok: true, outcome: `${r.committed} committed, ${r.aborted} aborted`, report: `${r.migrations} migrations`, ms: r.ms });
      process.stdout.write(`ok: ${r.migrations} migrations (${r.committed} committed, ${r.aborted} aborted), none lost, none duplicated, ${(r.ms / 1000).toFixed(1)} s\n`);
    } catch (err) {
      results.push({ step: 'concurrent', fault: `${programs} programs`, ok: false, error: err.message.split('\n')[0] });
      process.stdout.write(`FAILED: ${err.message}\n`);
    }
  }
} finally {
  await lab.stop();
}

// The table: steps down, faults across.
const cell = (step, fault) => {
  if (!planOf(step, fault)) return 'n/a';
  const r = results.find((x) => x.step === step && x.fault === fault);
  if (!r) return '-';
  return r.ok ? `ok ${r.outcome === 'committed' ? 'T' : 'S'}` : 'FAIL';
};
const head = ['step \\ fault', ...FAULTS];
const rows = STEPS.map((s) => [s, ...FAULTS.map((f) => cell(s, f))]);
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
console.log('\nResults (ok T: exactly one copy, on the target; ok S: exactly one copy, on the source; n/a: the fault does not apply at that step)\n');
console.log(line(head));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));
for (const r of results.filter((x) => x.step === 'concurrent')) console.log(`\nconcurrent: ${r.fault}: ${r.ok ? `ok, ${r.outcome}, ${r.report}` : `FAILED: ${r.error}`}`);
const failed = results.filter((r) => !r.ok);
if (failed.length) {
  console.log('\nFailures:');
  for (const f of failed) console.log(`  ${f.step} × ${f.fault}: ${f.error}`);
}
const jsonFile = value('--json');
if (jsonFile) fs.writeFileSync(jsonFile, JSON.stringify(results, null, 2));
process.exit(failed.length ? 1 : 0);
