'use strict';
// End to end: a program's output kept by its agent. `thingsctl logs ID` prints it from the
// agent that holds it; `thingsctl logs -f ID` follows it across a migration (the output
// topic is per process id) and ends with the program, its output exactly the program's;
// the log file under the state directory is bounded.
//
// Node 18 and 20: node:test with describe/it and top-level hooks only.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { startMosquitto } = require('./support/mosquitto');
const { ROOT, requireBuild, thingsctl, AgentProcess, writeIni, parseRecord, ctlResult } = require('./support/cli');
const { Watcher } = require('./support/watcher');
const { within } = require('./support/wait');

const SLOW = path.join(__dirname, 'fixtures', 'logs', 'count-slow.js');
const CHATTY = path.join(__dirname, 'fixtures', 'logs', 'chatty.js');
const T = 15000; // bound of every single wait

let tmp;
let broker;
let watcher;
const agents = {};



async function startAgent(id) {
  const dir = path.join(tmp, id);
  fs.mkdirSync(dir);
  const ini = writeIni(path.join(dir, 'agent.conf'), { id, address: `127.0.0.1:${broker.port}`, stateDir: path.join(dir, 'state') });
  const agent = new AgentProcess(id, ['--config', ini]);
  agents[id] = agent;
  await agent.connected(T);
  await watcher.untilStatus(id, (s) => s.status === 'online', T, `${id} to be online`);
  return agent;
}

/** `thingsctl logs -f ...` running in the background. */
function follow(args) {
  const proc = spawn(process.execPath, [path.join(ROOT, 'bin', 'thingsctl'), 'logs', '-f', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const result = { stdout: '', stderr: '' };
  proc.stdout.setEncoding('utf8').on('data', (c) => (result.stdout += c));
  proc.stderr.setEncoding('utf8').on('data', (c) => (result.stderr += c));
  result.exited = new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
  result.proc = proc;
  return result;
}

describe('program logs: thingsctl logs [-f]', () => {
  before(async () => {
    requireBuild();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'thingsjs-logs-'));
    broker = await startMosquitto(tmp);
    watcher = new Watcher(broker.url);
    await watcher.start();
    await startAgent('log-A');
    await startAgent('log-B');
  });

  after(async () => {
    for (const a of Object.values(agents)) await a.stop().catch(() => a.kill());
    if (watcher) await watcher.stop();
    if (broker) await broker.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('logs prints what the program printed; logs -f follows it across a migration and ends with it', async () => {
    const expected = Array.from({ length: 60 }, (_, i) => `count ${i + 1}\n`).join('') + 'done\n';
    const rec = parseRecord((await ctlResult(['dispatch', broker.url, 'run', 'log-A', SLOW])).stdout);
    await watcher.untilOutput(rec.id, (o) => o.data === 'count 3\n', T, 'count 3');
    const followed = follow([broker.url, rec.id]);
    const moved = parseRecord((await ctlResult(['dispatch', broker.url, 'migrate', rec.id, 'log-B'])).stdout);
    assert.equal(moved.agent, 'log-B');
    const onA = watcher.output(rec.id).filter((o) => o.agent === 'log-A').length;
    assert.ok(onA >= 3 && onA < 61, `${onA} lines printed on log-A`);
    // The checkpoint moved too: the target wrote one on arrival, the source dropped its own.
    const ckpt = (agent) => path.join(tmp, agent, 'state', 'checkpoints', `${rec.id}.ckpt`);
    assert.ok(fs.existsSync(ckpt('log-B')) && !fs.existsSync(ckpt('log-A')));

    // From the agent that holds it now, which has the lines printed on log-A too.
    const early = await ctlResult(['logs', broker.url, rec.id]);
    assert.ok(early.stdout.length > 0 && expected.startsWith(early.stdout), `a prefix of the program's output:\n${early.stdout}`);
    assert.equal(early.stderr, 'warning at 5\n', 'program stderr goes to stderr');
    const stamped = (await ctlResult(['logs', broker.url, 'log-B', rec.id, '-t', '-n', '2'])).stdout.trim().split('\n');
    assert.equal(stamped.length, 2);
    for (const l of stamped) assert.match(l, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z out (count \d+|done)$/);

    const code = await within(followed.exited, 20000, 'logs -f to end with the program');
    assert.equal(code, 0, followed.stderr);
    assert.equal(followed.stdout, expected, 'logs -f printed every line once, across the migration');
    assert.equal(followed.stderr, 'warning at 5\n');

    await watcher.untilProcess('log-B', rec.id, (p) => p.status === 'Exited', T, 'Exited on log-B');
    assert.ok(!fs.existsSync(ckpt('log-B')), 'an ended program keeps no checkpoint');
    assert.equal((await ctlResult(['logs', broker.url, rec.id])).stdout, expected);
    assert.equal((await ctlResult(['logs', broker.url, rec.id, '--tail', '1'])).stdout, 'done\n');
    // The log file is under the state directory of the agent holding the program.
    const fileLines = fs.readFileSync(path.join(tmp, 'log-B', 'state', 'logs', `${rec.id}.log`), 'utf8').trim().split('\n');
    assert.equal(fileLines.length, 62);
    assert.match(fileLines[fileLines.length - 1], /^\S+Z out done$/);
    // logs -f of a program that has ended prints its log and returns.
    const ended = follow([broker.url, rec.id]);
    assert.equal(await within(ended.exited, T, 'logs -f of an ended program'), 0);
    assert.equal(ended.stdout, expected);
  });

  it("a program's log is bounded on disk; logs prints its newest lines", async () => {
    const rec = parseRecord((await ctlResult(['dispatch', broker.url, 'run', 'log-A', CHATTY])).stdout);
    await watcher.untilProcess('log-A', rec.id, (p) => p.status === 'Exited', 30000, 'the chatty program to end');
    const dir = path.join(tmp, 'log-A', 'state', 'logs');
    const sizes = [`${rec.id}.log`, `${rec.id}.log.1`].map((f) => fs.statSync(path.join(dir, f)).size);
    for (const size of sizes) assert.ok(size <= 512 * 1024, `a log file of ${size} bytes`);
    const r = await ctlResult(['logs', broker.url, rec.id]);
    const lines = r.stdout.trim().split('\n');
    assert.ok(lines.length > 3000 && lines.length < 12000, `${lines.length} lines kept`);
    assert.match(lines[lines.length - 1], /^line 12000 x+$/);
    assert.match(lines[0], /^line \d{5} x+$/);
    const unknown = await thingsctl(['logs', broker.url, 'log-A', 'NoSuchId']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^thingsctl: E_UNKNOWN_PROCESS: /);
  });
});
