'use strict';
// End to end: a few cases of the migration fault matrix (docs/migration.md, "Proof"; the
// whole matrix is scripts/fault-matrix.mjs). Each injects one fault at one step of the
// handoff through the agents' test-only hook and checks that exactly one copy of the program
// runs, its output has no gap and no repeat, no program host is left over, and thingsctl
// said where it is.
//
// Node 18 and 20: node:test with describe/it and top-level hooks only.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { MigrationLab } = require('./support/migration-lab');
const { planOf, runCase } = require('./support/fault-cases');

const CASES = [
  // The source dies with no decision: it aborts at its restart; the target's copy goes.
  ['after-prepare-sent', 'kill-source', 'aborted'],
  // The target dies holding its prepared copy, unanswered: the copy comes back Prepared.
  ['after-prepared', 'kill-target', undefined],
  // The commit is lost after the decision: it is sent again (and the target asks).
  ['after-commit-decision', 'drop', 'committed'],
  // The target refuses a damaged snapshot: the original goes on.
  ['after-capture', 'refuse', 'aborted'],
];

let lab;

describe('migration under faults (a few cases of the matrix)', () => {
  before(async () => {
    lab = new MigrationLab('migration-faults', { brokerConf: { max_packet_size: '16K' } });
    await lab.start();
  });

  after(async () => {
    if (lab) await lab.stop();
  });

  // The target answers before the source has written the capture (a slow disk): the source
  // decides at once, and its own write, when it ends, must not bring the original back.
  it("the target's answer before the source's own writes: committed, the original stays gone, the copy's checkpoint is ours", async () => {
    const S = 'slow-src';
    const T = 'slow-dst';
    try {
      await Promise.all([lab.startAgent(S, 'source:persist:slow'), lab.startAgent(T)]);
      const rec = await lab.runCounter(S, 5);
      const r = await lab.ctl(['dispatch', lab.url, 'migrate', rec.id, T, '--timeout', '30']).done;
      assert.equal(r.code, 0, r.stderr);
      // The source decided before its write was done ("migrating" is logged once it is).
      const lines = lab.agent(S).lines.items;
      const decided = lines.findIndex((l) => /migration \S+ committed/.test(l));
      const written = lines.findIndex((l) => /migrating to slow-dst/.test(l));
      assert.ok(decided !== -1 && written !== -1 && decided < written, `decision at line ${decided}, write done at line ${written}`);
      const first = await lab.checkOneCopy(rec.id);
      assert.equal(first.holder.agent, T);
      // The delayed write is over (3 s after the capture) and left nothing of the program.
      await new Promise((resolve) => setTimeout(resolve, 3500));
      assert.deepEqual(fs.readdirSync(path.join(lab.stateOf(S), 'checkpoints')).filter((f) => f.startsWith(rec.id)), []);
      // A restart of the source does not bring it back either.
      lab.agent(S).proc.kill('SIGKILL');
      await lab.restartAgent(S);
      const again = await lab.checkOneCopy(rec.id);
      assert.equal(again.holder.agent, T);

      // The target's checkpoint of the copy named its migration until the commit, no longer.
      const dir = path.join(lab.stateOf(T), 'checkpoints');
      const text = fs.readFileSync(path.join(dir, `${rec.id}.ckpt`), 'utf8');
      const header = JSON.parse(text.slice(0, text.indexOf('\n')));
      assert.equal(header.preparedFor, undefined);
      // A copy's checkpoint without its journal entry (a target killed between the two writes
      // of a prepare, which was then never answered) is removed at the start, never run.
      const orphan = 'Orphan01';
      fs.writeFileSync(path.join(dir, `${orphan}.ckpt`), JSON.stringify({ ...header, id: orphan, preparedFor: 'never-journaled-1' }) + text.slice(text.indexOf('\n')));
      lab.agent(T).proc.kill('SIGKILL');
      await lab.restartAgent(T);
      assert.ok(lab.agent(T).lines.items.some((l) => l.includes(`process ${orphan}: the copy of migration never-journaled-1 was never prepared here`)), lab.agent(T).lines.items.join('\n'));
      assert.equal(fs.existsSync(path.join(dir, `${orphan}.ckpt`)), false);
      assert.deepEqual(await lab.records(orphan), []);
      // The migrated program came back from its checkpoint (lines after it come again).
      assert.equal((await lab.checkOneCopy(rec.id, { allowRepeat: true })).holder.agent, T);
    } finally {
      await lab.stopAgents({ kill: true });
    }
  });

  for (const [i, [step, fault, expect]] of CASES.entries()) {
    const plan = planOf(step, fault);
    it(`${step} × ${fault}: ${plan.how}`, async (t) => {
      const r = await runCase(lab, i + 1, { step, fault, plan });
      t.diagnostic(`${r.outcome} (on ${r.holder}), thingsctl: ${r.report}, ${r.ms} ms`);
      if (expect) assert.equal(r.outcome, expect);
    });
  }
});
