'use strict';
// End to end: an agent's programs survive the agent. SIGTERM checkpoints every program and
// exits 0 within its bound, and a restart brings them back where they were (same id, name,
// paused state; output goes on with no gap and no repeat). After SIGKILL the programs come
// back from their last periodic checkpoint, and program hosts the dead agent left behind are
// ended. A corrupt checkpoint is reported (E_SNAPSHOT_CORRUPT), set aside, and the other
// programs start. Programs that were killed or ended are not brought back.
//
// Node 18 and 20: node:test with describe/it and top-level hooks only.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFile } = require('node:child_process');
const { startMosquitto } = require('./support/mosquitto');
const { requireBuild, thingsctl, AgentProcess, writeIni, parseRecord, ctlOk } = require('./support/cli');
const { Watcher } = require('./support/watcher');

const FIX = path.join(__dirname, 'fixtures', 'persistence');
const COUNTER = path.join(FIX, 'counter-state.js');
const TICKER = path.join(__dirname, 'fixtures', 'ticker.js');
const DIR_PROGRAM = path.join(__dirname, 'fixtures', 'dir-program');
const T = 15000; // bound of every single wait

let tmp;
let broker;
let watcher;
const running = new Set();



/** Line n of counter-state.js (a pure function of n). */
function counterLine(n) {
  let total = 0;
  const seen = new Map();
  for (let i = 1; i <= n; i++) {
    total += i;
    seen.set(i % 7, (seen.get(i % 7) || 0) + 1);
  }
  return `line ${n} total ${total} sevens ${seen.get(n % 7)}`;
}

const stateOf = (id) => path.join(tmp, id, 'state');
const checkpointsOf = (id) => fs.readdirSync(path.join(stateOf(id), 'checkpoints')).sort();

/** Writes the agent's config (once) and starts it; resolves when it is online. */
async function startAgent(id, extra = '') {
  const dir = path.join(tmp, id);
  fs.mkdirSync(dir, { recursive: true });
  const ini = path.join(dir, 'agent.conf');
  if (!fs.existsSync(ini)) writeIni(ini, { id, address: `127.0.0.1:${broker.port}`, stateDir: stateOf(id), extra });
  const from = watcher.messages.items.length;
  const agent = new AgentProcess(id, ['--config', ini]);
  running.add(agent);
  agent.exited.then(() => running.delete(agent));
  await agent.connected(T);
  await watcher.messages.until((m) => m.topic === `thingsjs/v1/agents/${id}/status` && m.json && m.json.status === 'online' && m.json.pid === agent.proc.pid, T, `${id} to be online`, from);
  return agent;
}

const run = async (agent, file, ...flags) => parseRecord(await ctlOk(['dispatch', broker.url, 'run', agent, file, ...flags]));

/** Running (a zombie, dead but not yet reaped by whoever inherited it, does not count). */
const alive = (pid) => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
};

/** Another process's end has no event we can await: poll, bounded. */
async function untilGone(pid, what) {
  const deadline = Date.now() + T;
  while (alive(pid)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (pid ${pid}) to end`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The output lines of `id` kept by its agent (thingsctl logs). */
async function logLines(id) {
  const out = await ctlOk(['logs', broker.url, id]);
  return out.split('\n').filter((l) => l !== '');
}

function nativeOutput(dir) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [dir], { encoding: 'utf8', timeout: 60000 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
  });
}

describe('persistence: programs survive their agent', () => {
  before(async () => {
    requireBuild();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'thingsjs-persist-'));
    broker = await startMosquitto(tmp);
    watcher = new Watcher(broker.url);
    await watcher.start();
  });

  /** Program hosts a killed agent leaves behind (the spinner never notices): ended here if a
   *  failed test did not see them ended, so they cannot burn the CPU of the tests after. */
  const leftovers = new Set();
  after(async () => {
    for (const pid of leftovers) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    for (const a of running) await a.stop().catch(() => a.kill());
    if (watcher) await watcher.stop();
    if (broker) await broker.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('SIGTERM: every program is checkpointed, the agent exits 0 in time; restarted, they go on where they were', async (t) => {
    // No periodic checkpoints: what comes back was captured at the stop.
    let agent = await startAgent('keep', 'checkpoint_interval = 0');
    const native = nativeOutput(DIR_PROGRAM); // 8.4 s; runs alongside
    const counter = await run('keep', COUNTER);
    const paused = await run('keep', TICKER);
    const killed = await run('keep', TICKER);
    await watcher.untilOutput(paused.id, (o) => o.data === 'tick 3\n', T, 'tick 3');
    parseRecord(await ctlOk(['dispatch', broker.url, 'pause', paused.id]));
    const pausedAt = watcher.output(paused.id).length;
    parseRecord(await ctlOk(['dispatch', broker.url, 'kill', killed.id]));
    // Last: it lasts 8.4 s, and must still run when the agent stops.
    const dir = await run('keep', DIR_PROGRAM);
    await watcher.untilOutput(counter.id, (o) => o.seq === 8, T, 'line 8 of the counter');
    await watcher.untilOutput(dir.id, (o) => o.data.startsWith('tick 3 '), T, 'tick 3 of the directory program');

    const stopStarted = Date.now();
    const exit = await agent.stop(12000);
    const stopMs = Date.now() - stopStarted;
    t.diagnostic(`SIGTERM to exit with 3 live programs: ${stopMs} ms`);
    assert.equal(exit.code, 0, agent.stderr);
    assert.ok(stopMs < 10000, `stopped in ${stopMs} ms`);
    assert.ok(agent.lines.items.some((l) => /agent: 3 programs checkpointed and stopped in \d+ ms/.test(l)), agent.lines.items.join('\n'));
    for (const p of [counter, paused, dir]) assert.ok(!alive(p.pid), `program ${p.id} stopped with the agent`);
    assert.deepEqual(
      checkpointsOf('keep'),
      [counter.id, paused.id, dir.id].flatMap((id) => [`${id}.ckpt`, `${id}.program.json`]).sort(),
      'one checkpoint and one start per live program; none for the killed one',
    );
    const seqAtStop = Math.max(...watcher.output(counter.id).map((o) => o.seq));

    agent = await startAgent('keep');
    const status = await watcher.untilStatus('keep', (s) => s.status === 'online' && s.processes.length === 3 && s.processes.every((p) => p.pid > 0), T, 'the three programs back');
    const byId = Object.fromEntries(status.processes.map((p) => [p.id, p]));
    assert.deepEqual([byId[counter.id].name, byId[counter.id].status, byId[counter.id].startedFrom], ['counter-state.js', 'Running', 'checkpoint']);
    assert.deepEqual([byId[paused.id].name, byId[paused.id].status], ['ticker.js', 'Paused'], 'paused state kept');
    assert.deepEqual([byId[dir.id].name, byId[dir.id].startedFrom], ['dir-program', 'checkpoint']);
    assert.ok(['Running', 'Exited'].includes(byId[dir.id].status), byId[dir.id].status);
    assert.ok(!byId[killed.id], 'the killed program is not brought back');
    assert.ok(agent.lines.items.some((l) => l.includes(`process ${counter.id} (counter-state.js): restoring its checkpoint of `)));

    // The counter: every line from 1, exactly once, in its log across both agent runs...
    await watcher.untilOutput(counter.id, (o) => o.seq === seqAtStop + 5, T, 'five more lines after the restart');
    const lines = await logLines(counter.id);
    assert.ok(lines.length >= seqAtStop + 5);
    assert.deepEqual(lines, lines.map((_, i) => counterLine(i + 1)), 'no gap, no repeat, the state went on');
    // ...and on its output topic, numbered by seq (lines printed before the agent was
    // connected again are in the log only).
    const published = watcher.output(counter.id);
    assert.deepEqual(published.map((o) => o.data), published.map((o) => `${counterLine(o.seq)}\n`));
    assert.equal(new Set(published.map((o) => o.seq)).size, published.length, 'no line published twice');

    // The paused one prints nothing until resumed, then goes on from its next tick.
    const resumed = parseRecord(await ctlOk(['dispatch', broker.url, 'resume', paused.id]));
    assert.equal(resumed.status, 'Running');
    const next = await watcher.untilOutput(paused.id, (o) => o.seq === pausedAt + 1, T, 'the tick after the pause');
    assert.equal(next.json.data, `tick ${pausedAt + 1}\n`);

    // The directory program ends with the output it has when nothing happens to it.
    await watcher.untilProcess('keep', dir.id, (p) => p.status === 'Exited', 20000, 'the directory program to end');
    // Compared without the column of the module imported at tick 55: when and where its
    // line lands depends on how long the import takes (natively, on a loaded machine, it
    // can be after tick 56).
    const shape = (lines) => lines.map((l) => l.replace(/^(tick \d+ total \d+ \S+ \S+) \S+$/, '$1').replace(/^(late-two loaded|done calls 70).*/, '$1')).sort();
    const dirLines = await logLines(dir.id);
    assert.deepEqual(shape(dirLines), shape((await native).trim().split('\n')), 'directory program output across the agent restart');
    assert.deepEqual(dirLines.filter((l) => l.startsWith('tick ')).map((l) => Number(l.split(' ')[1])), Array.from({ length: 70 }, (_, i) => i + 1), 'every tick once, in order');
    assert.ok(!fs.existsSync(path.join(stateOf('keep'), 'programs', dir.id)), 'its files went when it ended');

    for (const p of [counter, paused]) parseRecord(await ctlOk(['dispatch', broker.url, 'kill', p.id]));
    assert.deepEqual(checkpointsOf('keep'), [], 'ended and killed programs leave no checkpoint');
    assert.equal((await agent.stop()).code, 0);
  });

  it('SIGKILL: programs come back from their last periodic checkpoint; hosts left behind are ended', async () => {
    let agent = await startAgent('crash', 'checkpoint_interval = 0.5\nlog_level = debug');
    const counter = await run('crash', COUNTER);
    const spin = await run('crash', path.join(FIX, 'spin.js'));
    leftovers.add(spin.pid);
    await watcher.untilOutput(spin.id, (o) => o.data === 'spinning\n', T, 'the spinner to start');
    // Rounds go on every 0.5 s; the spinner holds up one of them (2 s), not the next ones.
    await watcher.untilOutput(counter.id, (o) => o.seq === 20, T, 'line 20 of the counter');
    // Two rounds: the first to log after line 20 may have begun before it (a slow round on a
    // loaded machine); the next one began after it.
    await agent.lines.until((l) => / debug agent: checkpoint: 1 program, /.test(l), T, 'a checkpoint round after line 20', agent.lines.items.length);
    await agent.lines.until((l) => / debug agent: checkpoint: 1 program, /.test(l), T, 'the next checkpoint round', agent.lines.items.length);
    // A few lines after that round, so that the restart visibly repeats them.
    const seen = Math.max(...watcher.output(counter.id).map((o) => o.seq ?? 0));
    await watcher.untilOutput(counter.id, (o) => o.seq >= seen + 3, T, 'lines after the checkpoint round');

    agent.proc.kill('SIGKILL');
    await agent.exited;
    // A host notices its agent is gone when its IPC channel closes, and exits...
    await untilGone(counter.pid, 'the counter host');
    // ...unless it is stuck in a synchronous loop.
    assert.ok(alive(spin.pid), 'the spinner host is still there');
    const ckpt = fs.readFileSync(path.join(stateOf('crash'), 'checkpoints', `${counter.id}.ckpt`), 'utf8');
    const header = JSON.parse(ckpt.slice(0, ckpt.indexOf('\n')));
    assert.equal(header.format, 'thingsjs-checkpoint');
    assert.ok(header.outputSeq >= 20, `the last periodic checkpoint was taken at line ${header.outputSeq}`);
    // The spinner may have been captured in the 10 ms before it began to spin; never since.
    const spinCaptured = fs.existsSync(path.join(stateOf('crash'), 'checkpoints', `${spin.id}.ckpt`));

    const from = watcher.messages.items.length;
    agent = await startAgent('crash');
    assert.ok(agent.lines.items.some((l) => l.includes(`process ${spin.id}: ended the program host (pid ${spin.pid}) a previous agent left running`)), agent.lines.items.join('\n'));
    await untilGone(spin.pid, 'the old spinner host, so that the program never runs twice');

    // The counter resumes from the state of its checkpoint: the lines after it come again.
    const first = await watcher.messages.until((m) => m.topic === `thingsjs/v1/procs/${counter.id}/out` && Boolean(m.json), T, 'the counter to print again', from);
    // (Lines printed before the new agent connected are in its log only.)
    const lines = await logLines(counter.id);
    const restartAt = lines.findIndex((l, i) => i > 0 && l === counterLine(header.outputSeq + 1) && lines[i - 1] !== counterLine(header.outputSeq));
    assert.ok(restartAt > header.outputSeq, `the log has the lines up to the kill, then from line ${header.outputSeq + 1} again:\n${lines.join('\n')}`);
    assert.deepEqual(lines.slice(restartAt), lines.slice(restartAt).map((_, i) => counterLine(header.outputSeq + 1 + i)));
    assert.equal(first.json.data, `${counterLine(first.json.seq)}\n`, 'output numbering restarts from the checkpoint');
    const back = await watcher.untilProcess('crash', spin.id, (p) => p.status === 'Running' && p.pid > 0, T, 'the spinner back');
    assert.equal(back.startedFrom, spinCaptured ? 'checkpoint' : 'start', 'from its checkpoint if it has one, else from its start');

    // A stuck program does not hold up a kill.
    parseRecord(await ctlOk(['dispatch', broker.url, 'kill', spin.id]));
    parseRecord(await ctlOk(['dispatch', broker.url, 'kill', counter.id]));
    assert.equal((await agent.stop()).code, 0);
  });

  it('a corrupt checkpoint is reported with E_SNAPSHOT_CORRUPT and set aside; the other programs come back', async () => {
    let agent = await startAgent('torn', 'checkpoint_interval = 0');
    const good = await run('torn', COUNTER);
    const bad = await run('torn', TICKER);
    await watcher.untilOutput(bad.id, (o) => o.seq === 2, T, 'tick 2');
    await watcher.untilOutput(good.id, (o) => o.seq === 2, T, 'line 2');
    assert.equal((await agent.stop()).code, 0);

    // A torn write, as a failing SD card leaves it: the last bytes are lost.
    const file = path.join(stateOf('torn'), 'checkpoints', `${bad.id}.ckpt`);
    const text = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, text.slice(0, text.length - 40));

    agent = await startAgent('torn');
    const status = await watcher.untilStatus('torn', (s) => s.status === 'online' && (s.processes || []).some((p) => p.id === good.id && p.status === 'Running'), T, 'the good program back');
    assert.ok(!status.processes.some((p) => p.id === bad.id), 'the damaged one is not restored');
    const error = agent.lines.items.find((l) => l.includes(`process ${bad.id}: E_SNAPSHOT_CORRUPT: checkpoint ${file} is damaged`));
    assert.ok(error, agent.lines.items.join('\n'));
    assert.match(error, / error /);
    assert.match(error, new RegExp(`kept as ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.corrupt`));
    assert.ok(fs.existsSync(`${file}.corrupt`), 'kept aside for a person to look at');
    assert.deepEqual(checkpointsOf('torn'), [`${bad.id}.ckpt.corrupt`, `${bad.id}.program.json.corrupt`, `${good.id}.ckpt`, `${good.id}.program.json`].sort());
    parseRecord(await ctlOk(['dispatch', broker.url, 'kill', good.id]));
    assert.equal((await agent.stop()).code, 0);
  });
});
