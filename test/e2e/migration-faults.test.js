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

  for (const [i, [step, fault, expect]] of CASES.entries()) {
    const plan = planOf(step, fault);
    it(`${step} × ${fault}: ${plan.how}`, async (t) => {
      const r = await runCase(lab, i + 1, { step, fault, plan });
      t.diagnostic(`${r.outcome} (on ${r.holder}), thingsctl: ${r.report}, ${r.ms} ms`);
      if (expect) assert.equal(r.outcome, expect);
    });
  }
});
