'use strict';
// End to end: the ThingsJS tutorial on a real Mosquitto with two real agent processes,
// driven through the real thingsctl CLI. No mocks: what passes here works for a user.
//
// Node 18 and 20: node:test with describe/it and top-level hooks only.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { startMosquitto } = require('./support/mosquitto');
const { ROOT, requireBuild, thingsctl, AgentProcess, writeIni, parseRecord, ctlOk } = require('./support/cli');
const { Watcher } = require('./support/watcher');

const COUNTER = path.join(ROOT, 'examples', 'counter.js');
const TICKER = path.join(__dirname, 'fixtures', 'ticker.js');
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

const nativeCounterOutput = () => execFileSync(process.execPath, [COUNTER], { encoding: 'utf8' });

describe('tutorial: run, migrate, pause, resume, kill', () => {
  before(async () => {
    requireBuild();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'thingsjs-e2e-'));
    broker = await startMosquitto(tmp);
    watcher = new Watcher(broker.url);
    await watcher.start();
    await startAgent('worker-A');
    await startAgent('worker-B');
  });

  after(async () => {
    for (const a of Object.values(agents)) await a.stop().catch(() => a.kill());
    if (watcher) await watcher.stop();
    if (broker) await broker.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('runs a program, migrates it mid-run, and the total output equals the native output', async () => {
    const expected = nativeCounterOutput();
    const url = broker.url;

    const record = parseRecord(await ctlOk(['dispatch', url, 'run', 'worker-A', COUNTER]));
    assert.equal(record.agent, 'worker-A');
    assert.equal(record.status, 'Running');
    assert.ok(record.pid > 0 && record.pid !== agents['worker-A'].proc.pid, 'pid is the child program process');

    // Output shows on the agent's console, prefixed with the process id.
    await agents['worker-A'].lines.until((l) => l === `[${record.id}] count 1 (sum 1, last 1)`, T, 'the first line on worker-A console');
    await watcher.untilOutput(record.id, (o) => o.data.startsWith('count 10 '), T, 'count 10 on the output topic');

    // The original argument form: migrate SOURCE TARGET FILE ID.
    const moved = parseRecord(await ctlOk(['dispatch', url, 'migrate', 'worker-A', 'worker-B', 'counter.js', record.id]));
    assert.deepEqual({ agent: moved.agent, id: moved.id, status: moved.status }, { agent: 'worker-B', id: record.id, status: 'Running' });

    const source = await watcher.untilProcess('worker-A', record.id, (p) => p.status === 'Migrated', T, 'the source record to be Migrated');
    assert.equal(source.migratedTo, 'worker-B');
    const done = await watcher.untilProcess('worker-B', record.id, (p) => p.status === 'Exited', T, 'the program to finish on worker-B');
    assert.equal(done.exitCode, 0);

    const out = watcher.output(record.id);
    assert.equal(out.map((o) => o.data).join(''), expected, 'migrated output differs from the native output');
    const firstOnB = out.findIndex((o) => o.agent === 'worker-B');
    assert.ok(firstOnB >= 10, `worker-A printed at least 10 lines before the move (${firstOnB})`);
    assert.ok(out.slice(firstOnB).every((o) => o.agent === 'worker-B'), 'after the move, every line comes from worker-B');
    await agents['worker-B'].lines.until((l) => l === `[${record.id}] done`, T, 'the last line on worker-B console');
  });

  it('pauses, resumes and kills a program by id alone (short forms, broker from THINGSJS_BROKER)', async () => {
    const env = { THINGSJS_BROKER: broker.url };
    const rec = parseRecord(await ctlOk(['dispatch', 'run', 'worker-B', TICKER], { env }));
    await watcher.untilOutput(rec.id, (o) => o.data === 'tick 2\n', T, 'tick 2');

    const paused = parseRecord(await ctlOk(['dispatch', 'pause', rec.id], { env }));
    assert.deepEqual([paused.agent, paused.status], ['worker-B', 'Paused']);
    const lsOut = await ctlOk(['ls'], { env });
    assert.match(lsOut, new RegExp(`worker-B\\s+${rec.id}\\s+Paused`));

    // A paused program prints nothing. There is no event for "nothing happened": watch a
    // quiet period long enough for three ticks.
    const before = watcher.output(rec.id).length;
    await new Promise((r) => setTimeout(r, 350));
    assert.equal(watcher.output(rec.id).length, before, 'no output while paused');

    const resumed = parseRecord(await ctlOk(['dispatch', 'resume', rec.id], { env }));
    assert.equal(resumed.status, 'Running');
    const n = before; // one line per tick
    const next = await watcher.untilOutput(rec.id, (o) => o.data === `tick ${n + 1}\n`, T, `tick ${n + 1} after resume`);
    assert.equal(next.json.agent, 'worker-B');
    const expected = Array.from({ length: n + 1 }, (_, i) => `tick ${i + 1}\n`).join('');
    assert.equal(watcher.output(rec.id).slice(0, n + 1).map((o) => o.data).join(''), expected, 'resumed exactly where it paused');

    // The original form: kill AGENT FILE ID.
    const killed = parseRecord(await ctlOk(['dispatch', '--broker', broker.url, 'kill', 'worker-B', 'ticker.js', rec.id]));
    assert.equal(killed.status, 'Killed');
    assert.throws(() => process.kill(rec.pid, 0), { code: 'ESRCH' }, 'the program process is gone');
    await watcher.untilProcess('worker-B', rec.id, (p) => p.status === 'Killed', T, 'the Killed record in the status');

    const again = await thingsctl(['dispatch', broker.url, 'resume', rec.id]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^thingsctl: E_BAD_STATE: /);
  });

  it('ls lists the agents online and their processes (npx, --broker)', async () => {
    const out = execFileSync('npx', ['--no-install', 'thingsctl', 'ls', '--broker', broker.url], { cwd: ROOT, encoding: 'utf8' });
    assert.match(out, /^AGENT\s+STATUS\s+PID/m);
    assert.match(out, /^worker-A\s+online\s+\d+/m);
    assert.match(out, /^worker-B\s+online\s+\d+/m);
    assert.match(out, /^worker-A\s+[A-Za-z0-9]{8}\s+Migrated/m);
    const json = JSON.parse(await ctlOk(['ls', '--json', broker.url]));
    assert.deepEqual(json.map((a) => a.id), ['worker-A', 'worker-B']);
  });

  it('an unknown process id fails with E_UNKNOWN_PROCESS', async () => {
    const r = await thingsctl(['dispatch', broker.url, 'pause', 'NoSuchId']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^thingsctl: E_UNKNOWN_PROCESS: /);
    const named = await thingsctl(['dispatch', broker.url, 'kill', 'worker-A', 'NoSuchId']);
    assert.equal(named.code, 1);
    assert.match(named.stderr, /^thingsctl: E_UNKNOWN_PROCESS: no process NoSuchId on agent worker-A/);
  });

  it('migrating to an offline agent fails fast and the program keeps running on the source', async () => {
    const c = await startAgent('worker-C');
    const stopped = await c.stop();
    assert.equal(stopped.code, 0, 'SIGTERM stops an agent with exit code 0');
    await watcher.untilStatus('worker-C', (s) => s.status === 'offline', T, 'worker-C to be marked offline');

    const rec = parseRecord(await ctlOk(['dispatch', broker.url, 'run', 'worker-A', TICKER]));
    await watcher.untilOutput(rec.id, (o) => o.data === 'tick 1\n', T, 'tick 1');

    const started = Date.now();
    const viaCli = await thingsctl(['dispatch', broker.url, 'migrate', rec.id, 'worker-C']);
    assert.equal(viaCli.code, 1);
    assert.match(viaCli.stderr, /^thingsctl: E_AGENT_OFFLINE: /);
    const unknown = await thingsctl(['dispatch', broker.url, 'migrate', 'worker-A', 'worker-Z', rec.id]);
    assert.match(unknown.stderr, /^thingsctl: E_UNKNOWN_AGENT: /);

    // The source agent checks too (a client that skips the check, or a stale view).
    const reply = await watcher.rawRequest('worker-A', { action: 'migrate', args: { id: rec.id, target: 'worker-C' } });
    assert.equal(reply.ok, false);
    assert.equal(reply.error.code, 'E_AGENT_OFFLINE');
    assert.ok(Date.now() - started < 10000, 'failed fast, without waiting for a migration timeout');

    const seen = watcher.output(rec.id).length;
    await watcher.untilOutput(rec.id, (o) => o.agent === 'worker-A', T, 'more output on worker-A', seen);
    const live = await watcher.untilProcess('worker-A', rec.id, (p) => p.status === 'Running', T, 'the program still Running on worker-A');
    assert.equal(live.pid, rec.pid, 'the same process goes on');
    await ctlOk(['dispatch', broker.url, 'kill', rec.id]);
  });

  it('a failed handoff (target times out, or refuses) resumes the original on the source', async () => {
    // A fake target: online by its retained status, and under the test's control.
    const ghost = 'thingsjs/v1/agents/ghost';
    const requests = [];
    let answer; // undefined: stay silent
    watcher.client.on('message', (topic, payload) => {
      if (topic !== `${ghost}/req`) return;
      const req = JSON.parse(payload.toString());
      requests.push(req);
      if (answer) watcher.client.publish(req.replyTo, JSON.stringify({ v: 1, correlationId: req.correlationId, agent: 'ghost', ok: false, error: answer }), { qos: 1 });
    });
    await watcher.client.subscribeAsync(`${ghost}/req`, { qos: 1 });
    await watcher.client.publishAsync(`${ghost}/status`, JSON.stringify({ v: 1, id: 'ghost', status: 'online', processes: [] }), { qos: 1, retain: true });
    try {
      const rec = parseRecord(await ctlOk(['dispatch', broker.url, 'run', 'worker-A', TICKER]));
      await watcher.untilOutput(rec.id, (o) => o.data === 'tick 1\n', T, 'tick 1');

      // --timeout 3: the source gives the target 1 s of it to be prepared.
      const timedOut = await thingsctl(['dispatch', broker.url, 'migrate', rec.id, 'ghost', '--timeout', '3']);
      assert.equal(timedOut.code, 1);
      assert.match(timedOut.stderr, /^thingsctl: E_TIMEOUT: agent ghost (did not answer prepare|was not prepared) within \d+ ms; migration \w+ aborted: the program goes on at worker-A\n$/);
      const prepares = requests.filter((r) => r.action === 'prepare');
      assert.equal(prepares.length, 1);
      assert.equal(prepares[0].args.program.id, rec.id, 'the target is asked to keep the process id');
      assert.equal(prepares[0].args.source, 'worker-A');

      answer = { code: 'E_RESTORE_FAILED', message: 'no room here' };
      const refused = await thingsctl(['dispatch', broker.url, 'migrate', 'worker-A', 'ghost', 'ticker.js', rec.id]);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /^thingsctl: E_RESTORE_FAILED: no room here/);

      const seen = watcher.output(rec.id).length;
      await watcher.untilOutput(rec.id, (o) => o.data === `tick ${seen + 1}\n`, T, 'the program to go on on worker-A', seen);
      const all = watcher.output(rec.id);
      assert.ok(all.every((o) => o.agent === 'worker-A'));
      assert.equal(all.map((o) => o.data).join(''), all.map((_, i) => `tick ${i + 1}\n`).join(''), 'no tick lost or repeated');
      const live = await watcher.untilProcess('worker-A', rec.id, (p) => p.status === 'Running', T, 'Running on worker-A');
      assert.equal(live.pid, rec.pid, 'the original process goes on');
      await ctlOk(['dispatch', broker.url, 'kill', rec.id]);
    } finally {
      await watcher.client.publishAsync(`${ghost}/status`, '', { qos: 1, retain: true });
    }
  });

  it('malformed requests get an error reply and the agent stays up', async () => {
    const notJson = await watcher.rawRequest('worker-A', 'this is not JSON', { inPayload: false });
    assert.equal(notJson.ok, false);
    assert.equal(notJson.error.code, 'E_BAD_REQUEST');

    const unknownAction = await watcher.rawRequest('worker-A', { action: 'explode', args: {} });
    assert.equal(unknownAction.error.code, 'E_UNKNOWN_ACTION');

    const missingArgs = await watcher.rawRequest('worker-A', { action: 'run', args: { name: 'x.js' } });
    assert.equal(missingArgs.error.code, 'E_BAD_REQUEST');
    assert.match(missingArgs.error.message, /source/);

    const badId = await watcher.rawRequest('worker-A', { action: 'pause', args: { id: '../../etc' } });
    assert.equal(badId.error.code, 'E_BAD_REQUEST');

    const noVersion = await watcher.rawRequest('worker-A', JSON.stringify({ action: 'list' }), { inPayload: false });
    assert.equal(noVersion.error.code, 'E_BAD_REQUEST');

    // A reply topic only in the payload (how an MQTT 3.1.1 client asks) is answered too.
    const list = await watcher.rawRequest('worker-A', { action: 'list' });
    assert.equal(list.ok, true);
    assert.ok(Array.isArray(list.result));
    assert.ok(agents['worker-A'].running, 'the agent is still running');
  });
});
