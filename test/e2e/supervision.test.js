'use strict';
// End to end: supervision of programs by a real agent on a real Mosquitto. A failing program
// is reported (exit code, error, last output) and leaves the agent and the other programs
// alone; restart policy on-failure (from the start, and from a checkpoint); memory limits
// (RSS sampling and the V8 heap cap) kill with E_MEMORY_LIMIT; CPU and memory show in
// `thingsctl ls` and `thingsctl top --once`.
//
// Node 18 and 20: node:test with describe/it and top-level hooks only.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startMosquitto } = require('./support/mosquitto');
const { requireBuild, thingsctl, AgentProcess, writeIni, parseRecord, ctlOk } = require('./support/cli');
const { Watcher } = require('./support/watcher');

const FIX = path.join(__dirname, 'fixtures', 'supervision');
const TICKER = path.join(__dirname, 'fixtures', 'ticker.js');
const T = 15000; // bound of every single wait

let tmp;
let broker;
let watcher;
const agents = {};



async function startAgent(id, extra) {
  const dir = path.join(tmp, id);
  fs.mkdirSync(dir);
  const ini = writeIni(path.join(dir, 'agent.conf'), { id, address: `127.0.0.1:${broker.port}`, stateDir: path.join(dir, 'state'), extra });
  const agent = new AgentProcess(id, ['--config', ini, '--stats-interval', '1']);
  agents[id] = agent;
  await agent.connected(T);
  await watcher.untilStatus(id, (s) => s.status === 'online', T, `${id} to be online`);
  return agent;
}

const run = async (agent, file, ...flags) => parseRecord(await ctlOk(['dispatch', broker.url, 'run', agent, file, ...flags]));
const gone = (pid) => {
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return err.code === 'ESRCH';
  }
};

describe('supervision: failures, restarts, memory limits, CPU and memory', () => {
  before(async () => {
    requireBuild();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'thingsjs-sup-'));
    broker = await startMosquitto(tmp);
    watcher = new Watcher(broker.url);
    await watcher.start();
    await startAgent('sup', 'checkpoint_interval = 0.3');
    await startAgent('mem', 'checkpoint_interval = 0\nmemory_limit = 96M');
  });

  after(async () => {
    for (const a of Object.values(agents)) await a.stop().catch(() => a.kill());
    if (watcher) await watcher.stop();
    if (broker) await broker.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('a crash is reported with exit code, error and last output; the agent and the other programs go on', async () => {
    const ticker = await run('sup', TICKER);
    await watcher.untilOutput(ticker.id, (o) => o.data === 'tick 2\n', T, 'tick 2');

    const crasher = await run('sup', path.join(FIX, 'crasher.js'));
    const failed = await watcher.untilProcess('sup', crasher.id, (p) => p.status === 'Failed', T, 'the crasher to be Failed');
    assert.equal(failed.exitCode, 1);
    assert.equal(failed.errorCode, 'E_PROGRAM_FAILED');
    assert.match(failed.error, /boom at 3/);
    assert.equal(failed.restarts, 0);
    // The last lines it printed, stdout and stderr in order, its stack trace included.
    assert.deepEqual(failed.lastOutput.slice(0, 4), ['working 1', 'working 2', 'working 3', 'about to fail']);
    assert.ok(failed.lastOutput.some((l) => /Error: boom at 3/.test(l)), `the uncaught error is in the last output: ${JSON.stringify(failed.lastOutput)}`);
    assert.ok(gone(crasher.pid), 'the program process is gone');

    // ls says it too.
    const ls = await ctlOk(['ls', broker.url]);
    assert.match(ls, new RegExp(`^sup\\s+${crasher.id}\\s+Failed\\s+.*crasher\\.js\\s+E_PROGRAM_FAILED: .*boom at 3`, 'm'));

    // The other program and the agent are untouched.
    const seen = watcher.output(ticker.id).length;
    await watcher.untilOutput(ticker.id, (o) => o.data === `tick ${seen + 2}\n`, T, 'the ticker to go on', seen);
    const live = await watcher.untilProcess('sup', ticker.id, (p) => p.status === 'Running', T, 'the ticker Running');
    assert.equal(live.pid, ticker.pid, 'the same ticker process');
    assert.ok(agents.sup.running);
    // A failed program is removed from the checkpoints (it will not come back).
    assert.ok(!fs.existsSync(path.join(tmp, 'sup', 'state', 'checkpoints', `${crasher.id}.program.json`)));
    await ctlOk(['dispatch', broker.url, 'kill', ticker.id]);
  });

  it('restart on-failure without a checkpoint: from the start, with a backoff and a counter', async () => {
    const rec = await run('mem', path.join(FIX, 'exit-three.js'), '--restart', 'on-failure');
    const restarting = await watcher.untilProcess('mem', rec.id, (p) => p.status === 'Restarting', T, 'Restarting after the first failure');
    assert.equal(restarting.exitCode, 3);
    assert.equal(restarting.error, 'exited with code 3');
    assert.deepEqual(restarting.lastOutput, ['start', 'n 1', 'n 2', 'n 3']);
    const first = Date.now();
    const again = await watcher.untilProcess('mem', rec.id, (p) => p.status === 'Running' && p.restarts === 1, T, 'the first restart');
    assert.equal(again.startedFrom, 'start', 'no checkpoint (checkpoint_interval = 0): it starts over');
    assert.notEqual(again.pid, rec.pid);
    await watcher.untilProcess('mem', rec.id, (p) => p.status === 'Restarting' && p.restarts === 1, T, 'the second failure');
    const second = Date.now();
    await watcher.untilProcess('mem', rec.id, (p) => p.status === 'Running' && p.restarts === 2, T, 'the second restart');
    const secondDelay = Date.now() - second;
    // Backoff: 1 s, then 2 s (the program runs ~0.2 s in between).
    assert.ok(secondDelay >= 1900, `the second restart waited ${secondDelay} ms (expected about 2 s)`);
    assert.ok(Date.now() - first >= 2900);
    const starts = watcher.output(rec.id).filter((o) => o.data === 'start\n').length;
    assert.ok(starts >= 3, `it printed "start" on every start (${starts})`);

    const killed = parseRecord(await ctlOk(['dispatch', broker.url, 'kill', rec.id]));
    assert.equal(killed.status, 'Killed');
    const final = await watcher.untilProcess('mem', rec.id, (p) => p.status === 'Killed', T, 'Killed');
    assert.equal(final.restarts, 2);
  });

  it('restart on-failure with a checkpoint: it goes on from its last checkpoint', async () => {
    const flag = path.join(tmp, 'crash-flag');
    fs.writeFileSync(flag, 'crash once');
    const rec = await run('sup', path.join(FIX, 'crash-once.js'), flag, '--restart', 'on-failure');
    const restarting = await watcher.untilProcess('sup', rec.id, (p) => p.status === 'Restarting', T, 'Restarting');
    assert.equal(restarting.exitCode, 3);
    const back = await watcher.untilProcess('sup', rec.id, (p) => p.status === 'Running' && p.restarts === 1, T, 'the restart');
    assert.equal(back.startedFrom, 'checkpoint');
    // The first line after the one it failed on.
    const topic = `thingsjs/v1/procs/${rec.id}/out`;
    const crashAt = watcher.messages.items.findIndex((m) => m.topic === topic && m.json && m.json.data === 'n 12\n');
    const next = await watcher.messages.until((m) => m.topic === topic && Boolean(m.json), T, 'output after the restart', crashAt + 1);
    const k = Number(/^n (\d+)\n$/.exec(next.json.data)[1]);
    assert.ok(k > 1 && k <= 12, `after the restart it printed n ${k}: the state of a checkpoint taken before n 12, not the start`);
    assert.equal(next.json.seq, watcher.messages.items[crashAt].json.seq + 1, 'output numbering goes on');
    const done = await watcher.untilProcess('sup', rec.id, (p) => p.status === 'Exited', 20000, 'the program to finish');
    assert.equal(done.restarts, 1);
    const lines = watcher.output(rec.id).map((o) => o.data);
    assert.equal(lines[lines.length - 1], 'n 40\n');
  });

  it('a program over its memory limit (resident memory) is killed with E_MEMORY_LIMIT', async () => {
    const ticker = await run('mem', TICKER);
    const rec = await run('mem', path.join(FIX, 'hog-buffers.js'));
    const failed = await watcher.untilProcess('mem', rec.id, (p) => p.status === 'Failed', T, 'the hog to be stopped');
    assert.equal(failed.memoryLimit, 96 * 1024 * 1024, 'the agent memory_limit applies');
    assert.equal(failed.errorCode, 'E_MEMORY_LIMIT');
    assert.match(failed.error, /resident\) went over its limit of 96\.0 MiB/);
    assert.ok(failed.lastOutput.some((l) => /^holding \d+ MiB$/.test(l)));
    assert.ok(gone(rec.pid));
    const live = await watcher.untilProcess('mem', ticker.id, (p) => p.status === 'Running', T, 'the ticker Running');
    assert.equal(live.pid, ticker.pid);
    await ctlOk(['dispatch', broker.url, 'kill', ticker.id]);
  });

  it('a program whose JavaScript heap outgrows the cap its limit sets fails with E_MEMORY_LIMIT', async () => {
    const rec = await run('mem', path.join(FIX, 'hog-heap.js'), '--memory-limit', '112M');
    const failed = await watcher.untilProcess('mem', rec.id, (p) => p.status === 'Failed', 30000, 'the hog to be stopped');
    assert.equal(failed.memoryLimit, 112 * 1024 * 1024, 'the limit given to run wins over the agent memory_limit');
    assert.equal(failed.errorCode, 'E_MEMORY_LIMIT', `${failed.error} / ${JSON.stringify(failed.lastOutput)}`);
  });

  it('CPU and memory of programs and agents show in ls and top --once', async () => {
    const rec = await run('sup', path.join(FIX, 'busy.js'));
    // (How much CPU it gets depends on the machine's load: any is enough here.)
    const busy = await watcher.untilProcess('sup', rec.id, (p) => p.stats && p.stats.cpu >= 1, T, 'the busy program to show CPU use');
    assert.ok(busy.stats.rss > 10 * 1024 * 1024, `rss ${busy.stats.rss}`);
    const status = watcher.status.get('sup');
    assert.ok(status.stats && status.stats.rss > 10 * 1024 * 1024 && typeof status.stats.cpu === 'number' && status.stats.uptime >= 0, JSON.stringify(status.stats));

    const ls = await ctlOk(['ls', broker.url]);
    assert.match(ls, /^AGENT\s+STATUS\s+PID\s+NODE\s+VERSION\s+PROCESSES\s+CPU\s+MEM$/m);
    assert.match(ls, /^sup\s+online\s+\d+\s+\S+\s+\S+\s+\d+\s+\d+\.\d%\s+\d+\.\dM$/m);
    assert.match(ls, /^AGENT\s+ID\s+STATUS\s+PID\s+CPU\s+MEM\s+LIMIT\s+RESTARTS\s+PROGRAM\s+NOTE$/m);
    const row = new RegExp(`^sup\\s+${rec.id}\\s+Running\\s+${rec.pid}\\s+(\\d+\\.\\d)%\\s+(\\d+\\.\\d)M\\s+-\\s+0\\s+busy\\.js$`, 'm').exec(ls);
    assert.ok(row, `a row with CPU and memory for the busy program in:\n${ls}`);
    assert.ok(Number(row[2]) > 10, `MEM ${row[2]}M`);

    const top = await ctlOk(['top', '--once', broker.url]);
    assert.match(top, /^thingsctl top — .* — 2 agents, \d+ programs?, \d+\.\d% CPU, \d+\.\dM in programs$/m);
    assert.match(top, /^sup\s+online\s+\d+\.\d%\s+\d+\.\dM\s+\d+\s+\d+s$/m);
    assert.match(top, new RegExp(`^${rec.id}\\s+sup\\s+Running\\s+${rec.pid}\\s+\\d+\\.\\d%\\s+\\d+\\.\\dM\\s+-\\s+0\\s+busy\\.js$`, 'm'));
    const json = JSON.parse(await ctlOk(['top', '--once', '--json', broker.url]));
    assert.ok(json.find((a) => a.id === 'sup').processes.find((p) => p.id === rec.id).stats.cpu > 0);
    await ctlOk(['dispatch', broker.url, 'kill', rec.id]);
  });
});
