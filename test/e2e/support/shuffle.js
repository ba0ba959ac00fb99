'use strict';
// Concurrency: programs shuffled among three agents, every migration of a round at once
// (each agent is source and target of several at the same time). After every round each
// program runs exactly once, where its migration's answer says, and its output has no gap
// and no repeat; no program host is left over.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { COUNTER, LIVE, checkCounterLog, sleep } = require('./migration-lab');

async function shuffle(lab, { programs = 6, rounds = 2, prefix = 'c', timeoutMs = 60000 } = {}) {
  const started = Date.now();
  const agents = [`${prefix}a`, `${prefix}b`, `${prefix}c`];
  try {
    for (const a of agents) await lab.startAgent(a);
    const source = fs.readFileSync(COUNTER, 'utf8');
    const where = new Map();
    const runs = await Promise.all(
      Array.from({ length: programs }, (_, i) => lab.watcher.rawRequest(agents[i % 3], { action: 'run', args: { name: 'counter.js', source } }, { timeoutMs })),
    );
    for (const r of runs) {
      assert.equal(r.ok, true, JSON.stringify(r.error));
      where.set(r.result.id, r.result.agent);
    }
    for (const id of where.keys()) await lab.watcher.untilOutput(id, (o) => o.seq >= 2, 30000, `line 2 of ${id}`);
    let migrations = 0;
    let committed = 0;
    let aborted = 0;
    for (let round = 0; round < rounds; round++) {
      const moves = [...where].map(([id, from]) => {
        const others = agents.filter((a) => a !== from);
        return { id, from, to: others[Math.floor(Math.random() * others.length)] };
      });
      const replies = await Promise.all(moves.map((m) => lab.watcher.rawRequest(m.from, { action: 'migrate', args: { id: m.id, target: m.to, timeoutMs: 30000 } }, { timeoutMs })));
      for (const [i, r] of replies.entries()) {
        const m = moves[i];
        migrations++;
        if (r.ok) {
          assert.equal(r.result.agent, m.to);
          where.set(m.id, m.to);
          committed++;
        } else {
          // Allowed (a loaded machine can miss a timeout), but then it says it stayed.
          assert.equal(r.error.details && r.error.details.migration && r.error.details.migration.runningOn, m.from, JSON.stringify(r.error));
          aborted++;
        }
      }
      // Exactly one copy of each, where the answers say.
      for (const [id, agent] of where) {
        const live = (await lab.records(id)).filter((p) => LIVE.includes(p.status));
        assert.deepEqual(live.map((p) => [p.agent, p.status]), [[agent, 'Running']], `process ${id} after round ${round + 1}`);
      }
    }
    await sleep(1500);
    const hosts = lab.hosts();
    assert.equal(hosts.length, programs, `program hosts on this machine: ${hosts.length}, programs: ${programs}`);
    for (const [id, agent] of where) {
      const live = (await lab.records(id)).filter((p) => LIVE.includes(p.status));
      assert.deepEqual(live.map((p) => p.agent), [agent], `process ${id} at the end`);
      assert.ok(hosts.includes(live[0].pid), `the host of ${id} (pid ${live[0].pid}) is among this machine's`);
      checkCounterLog(await lab.logLines(agent, id));
    }
    return { migrations, committed, aborted, ms: Date.now() - started };
  } finally {
    await lab.stopAgents({ kill: true });
  }
}

module.exports = { shuffle };
