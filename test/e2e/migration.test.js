'use strict';
// End to end: the migration handoff (docs/migration.md) without faults, with a real
// Mosquitto and real agents. A program whose snapshot is bigger than the broker's largest
// message goes in chunks (the agents learn the limit from the broker); thingsctl shows
// progress and a timing breakdown; the journals of both agents say what happened; a repeated
// `migrate` is not a second migration; `ls` and `logs` follow the program; and programs
// shuffled among three agents at once all arrive, once each.
//
// Node 18 and 20: node:test with describe/it and top-level hooks only.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { MigrationLab, parseRecord, checkCounterLog, LIVE } = require('./support/migration-lab');
const { shuffle } = require('./support/shuffle');

const BIG = path.join(__dirname, 'fixtures', 'migration', 'big-state.js');
const T = 20000;

let lab;

const journalOf = (agent) => {
  const dir = path.join(lab.stateOf(agent), 'migrations');
  return fs.readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')));
};

describe('migration handoff', () => {
  before(async () => {
    // The broker takes messages of at most 64 KiB (and says so in its MQTT 5 CONNACK); the
    // agents' own bound is the default 256K.
    lab = new MigrationLab('migration', { mosquitto: { global: ['max_packet_size 65536'] } });
    await lab.start();
  });

  after(async () => {
    if (lab) await lab.stop();
  });

  it('moves a program in chunks below the broker limit; thingsctl shows progress and timing; journals, ls and logs agree', async () => {
    await lab.startAgent('m-A');
    await lab.startAgent('m-B');
    const rec = parseRecord((await lab.ctlOk(['dispatch', lab.url, 'run', 'm-A', BIG])).stdout);
    await lab.watcher.untilOutput(rec.id, (o) => o.seq >= 3, T, 'beat 3');

    const r = await lab.ctl(['dispatch', lab.url, 'migrate', rec.id, 'm-B', '--progress', '--timeout', '90']).done;
    assert.equal(r.code, 0, r.stderr);
    const moved = parseRecord(r.stdout);
    assert.deepEqual([moved.agent, moved.id, moved.status], ['m-B', rec.id, 'Running']);
    assert.equal(r.stdout.trim().split('\n').length, 1, 'stdout is the record alone');
    // The breakdown.
    const m = /migrated from m-A to m-B \(migration (\S+)\)\n {2}capture +(\d+) ms .*\n {2}persist +(\d+) ms .*\n {2}transfer +(\d+) ms +m-A → m-B, ([\d.]+M) in (\d+) chunks\n {2}restore +(\d+) ms .*\n {2}downtime +≈(\d+) ms +± (\d+) ms: last step on m-A → first step on m-B\n$/.exec(r.stderr.slice(r.stderr.indexOf('migrated from')));
    assert.ok(m, r.stderr);
    const [, migrationId, capture, , transfer, size, chunks, restore, downtime] = m;
    assert.ok(Number(chunks) >= 40, `${size} in ${chunks} chunks of less than 64K`);
    assert.ok(Number(downtime) >= Number(restore) && Number(downtime) >= Number(capture), 'the program was paused for the restore at least');
    assert.ok(Number(downtime) < 60000 && Number(transfer) >= 0);
    // Progress, shown because the transfer took more than a second (a loaded machine, ~3M in 48K chunks).
    if (r.stderr.includes('migrating ')) assert.match(r.stderr, new RegExp(`migrating ${rec.id} from m-A to m-B: (capturing|transfer [\\d.]+[KM]? of [\\d.]+M \\(\\d+ %\\)|m-B restoring|committing on m-B), [\\d.]+ s\\n`));

    // The program goes on on m-B with all its state; nothing of it is left on m-A.
    const first = await lab.watcher.untilOutput(rec.id, (o) => o.agent === 'm-B', T, 'a beat from m-B');
    assert.match(first.json.data, /^beat \d+ rows 30000 sum 466380\n$/);
    const beats = lab.watcher.output(rec.id).map((o) => Number(/^beat (\d+)/.exec(o.data)[1]));
    assert.deepEqual(beats, beats.map((_, i) => i + 1), 'every beat once, in order, across the move');
    const records = await lab.records(rec.id);
    assert.deepEqual(records.map((p) => [p.agent, p.status]).sort(), [['m-A', 'Migrated'], ['m-B', 'Running']]);
    assert.deepEqual(lab.hosts(), [moved.pid]);

    // Both journals: done, the same migration, committed.
    const [src] = journalOf('m-A');
    const [dst] = journalOf('m-B');
    assert.deepEqual([src.migrationId, src.role, src.phase, src.done], [migrationId, 'source', 'committed', true]);
    assert.deepEqual([dst.migrationId, dst.role, dst.phase, dst.done], [migrationId, 'target', 'committed', true]);
    assert.ok(!fs.existsSync(path.join(lab.stateOf('m-A'), 'checkpoints', `${rec.id}.ckpt`)), 'the original never comes back on m-A');
    const status = await lab.request('m-A', 'migration-status', { migrationId });
    assert.deepEqual([status.result.phase, status.result.done, status.result.target], ['committed', true, 'm-B']);

    // ls and logs follow the id.
    const ls = (await lab.ctlOk(['ls', lab.url])).stdout;
    assert.match(ls, new RegExp(`^m-A\\s+${rec.id}\\s+Migrated → m-B`, 'm'));
    assert.match(ls, new RegExp(`^m-B\\s+${rec.id}\\s+Running`, 'm'));
    const logs = (await lab.ctlOk(['logs', lab.url, rec.id])).stdout.trim().split('\n');
    assert.equal(logs[0], 'beat 1 rows 30000 sum 466380', 'the log starts at the first line, printed on m-A');
    assert.ok(logs.length >= beats.length - 1);
    await lab.ctlOk(['dispatch', lab.url, 'kill', rec.id]);
  });

  it('a repeated migrate (same migration id) gets the first outcome and moves nothing again', async () => {
    const rec = await lab.runCounter('m-A', 3);
    const ask = () => lab.watcher.rawRequest('m-A', { action: 'migrate', args: { id: rec.id, target: 'm-B', migrationId: 'repeat-me-0001' } }, { timeoutMs: 60000 });
    const [one, two] = await Promise.all([ask(), ask()]);
    assert.equal(one.ok, true, JSON.stringify(one.error));
    assert.deepEqual(two, { ...one, correlationId: two.correlationId }, 'the concurrent repeat waits for the same outcome');
    const three = await ask();
    assert.deepEqual(three.result, one.result, 'a later repeat is answered from the journal');
    assert.equal(three.result.migration.outcome, 'committed');
    const check = await lab.checkOneCopy(rec.id);
    assert.equal(check.holder.agent, 'm-B');
    // Back again with another id: the journal of m-B has it as target, then as source.
    const back = await lab.watcher.rawRequest('m-B', { action: 'migrate', args: { id: rec.id, target: 'm-A' } }, { timeoutMs: 60000 });
    assert.equal(back.ok, true, JSON.stringify(back.error));
    assert.equal((await lab.checkOneCopy(rec.id)).holder.agent, 'm-A');
    checkCounterLog(await lab.logLines('m-A', rec.id));
    await lab.ctlOk(['dispatch', lab.url, 'kill', rec.id]);
    await lab.stopAgents();
  });

  it('a chain of fs, crypto and zlib callbacks under way at the capture goes on on the target, each step once', async () => {
    await lab.startAgent('m-A');
    await lab.startAgent('m-B');
    const file = path.join(__dirname, 'fixtures', 'migration', 'io-chain.js');
    const rec = parseRecord((await lab.ctlOk(['dispatch', lab.url, 'run', 'm-A', file])).stdout);
    await lab.watcher.untilOutput(rec.id, (o) => o.seq >= 5, T, 'round 5');
    const r = await lab.ctl(['dispatch', lab.url, 'migrate', rec.id, 'm-B', '--timeout', '60']).done;
    assert.equal(r.code, 0, r.stderr);
    await lab.watcher.untilOutput(rec.id, (o) => o.agent === 'm-B' && o.data === 'done\n', 120000, 'done on m-B');
    const lines = await lab.logLines('m-B', rec.id);
    const native = require('node:child_process').execFileSync(process.execPath, [file], { encoding: 'utf8' }).trim().split('\n');
    // Every round once, in order, with the values a native run prints: none lost, none twice.
    assert.deepEqual(lines.filter((l) => /^(round \d+ |done$)/.test(l)), native);
    await lab.ctlOk(['dispatch', lab.url, 'kill', rec.id]).catch(() => undefined);
    await lab.stopAgents();
  });

  it('6 programs shuffled among 3 agents, every migration of a round at once: all arrive, none lost, none twice', async () => {
    const r = await shuffle(lab, { programs: 6, rounds: 2, prefix: 'sh' });
    assert.equal(r.migrations, 12);
    assert.ok(r.committed >= 10, `${r.committed} of 12 committed`);
    assert.equal(lab.hosts().length, 0, 'the agents are stopped: no host is left');
    assert.ok(LIVE.includes('Prepared'));
  });
});
