'use strict';
// The fault-injection matrix of the migration handoff (docs/migration.md, "Proof"): for each
// step of the protocol, each fault, how it is injected and what may come of it. Used by
// test/e2e/migration-faults.test.js (a few cases) and scripts/fault-matrix.mjs (all of them).
//
// Injection goes through the agents' test-only hook (THINGSJS_FAULTS, agent/daemon/faults.ts):
// an agent kills itself, drops, duplicates or damages a message exactly at a step, or holds
// there (until SIGUSR2) while the test kills another process or restarts the broker. No
// timing races: every fault lands where it is meant to.
const assert = require('node:assert/strict');
const { parseRecord } = require('./migration-lab');

const STEPS = ['after-capture', 'mid-transfer', 'after-prepare-sent', 'after-prepared', 'after-commit-decision', 'after-commit-sent', 'after-commit-ack'];
const FAULTS = ['kill-source', 'kill-target', 'kill-ctl', 'broker-restart', 'drop', 'dup', 'refuse'];

/** The steps where the target has an injection point of its own. */
const TARGET_POINTS = new Set(['after-prepared', 'after-commit-ack']);

/** The message lost or duplicated at each step. */
const MESSAGE_AT = {
  'after-capture': ['source', 'send-prepare-begin', 'the transfer\'s begin'],
  'mid-transfer': ['source', 'send-prepare-chunk', 'a chunk of the snapshot'],
  'after-prepare-sent': ['source', 'send-prepare', 'the prepare'],
  'after-prepared': ['target', 'reply-prepare', "the target's prepared reply"],
  'after-commit-decision': ['source', 'send-commit', 'the commit'],
  'after-commit-sent': ['target', 'reply-commit', "the target's commit acknowledgement"],
  'after-commit-ack': ['source', 'reply-migrate', "the source's answer to thingsctl"],
};

/** Where the target refuses (three real reasons, one per step before the decision). */
const REFUSAL_AT = {
  'after-capture': ['source:send-prepare:corrupt', 'a damaged snapshot (E_SNAPSHOT_CORRUPT)'],
  'after-prepare-sent': ['source:send-prepare:future-format', 'an unknown snapshot format (E_SNAPSHOT_VERSION)'],
  'after-prepared': ['target:prepare:refuse', 'no memory for it (E_MEMORY_LIMIT)'],
};

const decided = (step) => STEPS.indexOf(step) >= STEPS.indexOf('after-commit-decision');

/**
 * How (step, fault) is injected and what may come of it, or undefined when it does not
 * apply. { source, target: THINGSJS_FAULTS of each agent; hold: { who: 'S'|'T', point };
 * act: what the test does during the hold; expect: committed | aborted | either;
 * allowRepeat; ctlTimeout; how: a description }
 */
function planOf(step, fault) {
  const hold = (who, act, how) => ({ [who === 'S' ? 'source' : 'target']: `${who === 'S' ? 'source' : 'target'}:${step}:hold`, hold: { who, point: `${who === 'S' ? 'source' : 'target'}:${step}` }, act, how });
  switch (fault) {
    case 'kill-source':
      return { source: `source:${step}:kill`, expect: decided(step) ? 'committed' : 'aborted', how: `source SIGKILLed at ${step}, restarted` };
    case 'kill-target':
      if (TARGET_POINTS.has(step)) {
        return { target: `target:${step}:kill`, expect: decided(step) ? 'committed' : 'either', allowRepeat: step === 'after-commit-ack', how: `target SIGKILLed at its ${step}, restarted` };
      }
      return {
        ...hold('S', 'kill-target', `source held at ${step}; target SIGKILLed and restarted meanwhile`),
        expect: decided(step) ? 'committed' : 'either',
        allowRepeat: step === 'after-commit-sent',
        // The restarted target has lost the chunks it had: the source begins again.
        sourceLog: step === 'mid-transfer' ? /lost the transfer \(it restarted\?\); beginning it again/ : undefined,
      };
    case 'kill-ctl':
      return { ...hold('S', 'kill-ctl', `source held at ${step}; thingsctl SIGKILLed meanwhile`), expect: 'committed' };
    case 'broker-restart': {
      const who = TARGET_POINTS.has(step) ? 'T' : 'S';
      return { ...hold(who, 'broker-restart', `${who === 'S' ? 'source' : 'target'} held at ${step}; broker restarted meanwhile`), expect: decided(step) ? 'committed' : 'either' };
    }
    case 'drop':
    case 'dup': {
      const [role, point, what] = MESSAGE_AT[step];
      const spec = `${role}:${point}:${fault}`;
      return { [role]: spec, expect: 'committed', ctlTimeout: fault === 'drop' && step === 'after-commit-ack' ? 10 : undefined, how: `${what} ${fault === 'drop' ? 'lost' : 'delivered twice'}` };
    }
    case 'refuse': {
      const r = REFUSAL_AT[step];
      if (!r) return undefined; // after the decision the target cannot refuse: it must carry it out
      const [spec, what] = r;
      return { [spec.split(':')[0]]: spec, expect: 'aborted', how: `the target refuses: ${what}` };
    }
    default:
      throw new Error(`unknown fault ${fault}`);
  }
}

/** Every applicable case, in matrix order. */
function allCases() {
  const out = [];
  for (const step of STEPS) for (const fault of FAULTS) {
    const plan = planOf(step, fault);
    if (plan) out.push({ step, fault, plan });
  }
  return out;
}

/**
 * Runs one case in `lab` with fresh agents s<n> (source) and t<n> (target); resolves with
 * { outcome, holder, report, lines, repeats, ms } or throws what went wrong.
 */
async function runCase(lab, n, { step, fault, plan }) {
  const started = Date.now();
  const S = `s${n}`;
  const T = `t${n}`;
  try {
    await Promise.all([lab.startAgent(S, plan.source), lab.startAgent(T, plan.target)]);
    const rec = await lab.runCounter(S, 5);
    const ctl = lab.ctl(['dispatch', lab.url, 'migrate', rec.id, T, '--timeout', String(plan.ctlTimeout || 30)]);
    const restarts = [];
    const within = (p, what) => {
      let timer;
      return Promise.race([p, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), 45000)))]).finally(() => clearTimeout(timer));
    };
    if (plan.source && plan.source.endsWith(':kill')) restarts.push(within(lab.restartAgent(S), `${S} to die and come back`));
    if (plan.target && plan.target.endsWith(':kill')) restarts.push(within(lab.restartAgent(T), `${T} to die and come back`));
    if (plan.hold) {
      const who = plan.hold.who === 'S' ? S : T;
      await lab.untilLine(who, new RegExp(`holding at ${plan.hold.point}\\b`));
      if (plan.act === 'kill-target') {
        lab.agent(T).proc.kill('SIGKILL');
        await lab.agent(T).exited;
        restarts.push(lab.startAgent(T));
      } else if (plan.act === 'kill-ctl') {
        ctl.proc.kill('SIGKILL');
      } else if (plan.act === 'broker-restart') {
        await lab.restartBroker();
      }
      lab.release(who);
    }
    await Promise.all(restarts);
    const r = await ctl.done;
    const check = await lab.checkOneCopy(rec.id, { allowRepeat: plan.allowRepeat });
    const outcome = check.holder.agent === T ? 'committed' : 'aborted';
    if (plan.sourceLog) assert.ok(lab.agent(S).lines.items.some((l) => plan.sourceLog.test(l)), `${S} logged nothing like ${plan.sourceLog}`);
    if (plan.expect !== 'either') assert.equal(outcome, plan.expect, `expected ${plan.expect}, the program is on ${check.holder.agent}`);
    // thingsctl says which, with a reason (unless it was the one killed).
    let report;
    if (plan.act === 'kill-ctl') {
      report = 'thingsctl killed';
    } else if (r.code === 0) {
      const moved = parseRecord(r.stdout);
      assert.ok(moved, `thingsctl printed no record: ${r.stdout}${r.stderr}`);
      assert.equal(moved.agent, check.holder.agent, `thingsctl said ${moved.agent}, the program is on ${check.holder.agent}`);
      report = /^migration \S+ committed: /m.test(r.stderr) ? `ok: on ${moved.agent} (commit not yet confirmed)` : `ok: on ${moved.agent}`;
    } else {
      const line = r.stderr.trim().split('\n').pop();
      const where = new RegExp(`goes on at ${check.holder.agent}\\b|(Running|Paused) on ${check.holder.agent}\\b`);
      assert.match(line, where, `thingsctl's error does not say where the program is (${check.holder.agent})`);
      report = line.replace(/^thingsctl: /, '').replace(/^(E_\w+).*/, '$1') + ` (says: on ${check.holder.agent})`;
    }
    return { outcome, holder: check.holder.agent, report, lines: check.lines, repeats: check.repeats, ms: Date.now() - started };
  } finally {
    await lab.stopAgents({ kill: true });
  }
}

module.exports = { STEPS, FAULTS, planOf, allCases, runCase };
