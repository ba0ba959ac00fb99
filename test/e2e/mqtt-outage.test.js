'use strict';
// The broker going away is invisible to running programs: a real Mosquitto killed (SIGKILL)
// and restarted, and a network cut that only the MQTT keepalive can notice. The program keeps
// running, the output it prints meanwhile arrives afterwards in order (within the agent's
// bound, oldest dropped with a marker beyond it), and commands work again. Also: reconnection
// backoff, and failover between two brokers.
//
// The broker persists sessions (autosave on every change), so the test's watcher, whose
// session is persistent, gets what the agent publishes after the restart even if the agent
// is back before the watcher is.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startMosquitto, freePort } = require('./support/mosquitto');
const { requireBuild, thingsctl, AgentProcess, writeConf, parseRecord, ctlOk } = require('./support/cli');
const { Watcher } = require('./support/watcher');
const { TcpProxy } = require('./support/proxy');

const STEADY = path.join(__dirname, 'fixtures', 'steady.js');
const T = 15000;

let tmp;
let broker;
let watcher;
const started = [];

const persistence = () => ['persistence true', `persistence_location ${tmp}/`, 'autosave_on_changes true', 'autosave_interval 1'];



function startAgent(id, broker = {}, agent = {}) {
  const dir = path.join(tmp, id);
  fs.mkdirSync(dir, { recursive: true });
  const conf = writeConf(path.join(dir, 'agent.conf'), {
    agent: { id, state_dir: path.join(dir, 'state'), ...agent },
    broker: { restart_timeout: '0.1 0.5', ...broker },
  });
  const a = new AgentProcess(id, ['--config', conf]);
  started.push(a);
  return a;
}

/** The beats a watcher got, checked: every beat from 1 to the last, in order, each with the
 *  right total. QoS 1 is at-least-once: a line in flight when the broker died may come twice
 *  (never out of order); repeats are counted, not failed. */
function checkBeats(messages) {
  const seen = new Set();
  let last = 0;
  let repeats = 0;
  for (const { data } of messages) {
    const m = /^beat (\d+) total (\d+)\n$/.exec(data);
    assert.ok(m, `unexpected output line ${JSON.stringify(data)}`);
    const n = Number(m[1]);
    assert.equal(Number(m[2]), (n * (n + 1)) / 2, `beat ${n} carries the right total (program state intact)`);
    if (seen.has(n)) {
      repeats += 1;
      continue;
    }
    assert.equal(n, last + 1, `beat ${n} follows beat ${last} (nothing lost, nothing reordered)`);
    seen.add(n);
    last = n;
  }
  return { last, repeats };
}

const beatOf = (line) => Number((/beat (\d+) /.exec(line) || [])[1]);

describe('broker outages', () => {
  before(async () => {
    requireBuild();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'thingsjs-outage-'));
    broker = await startMosquitto(tmp, { global: persistence() });
    watcher = new Watcher(broker.url, { persistent: true });
    await watcher.start();
  });

  after(async () => {
    for (const a of started) await a.stop().catch(() => a.kill());
    if (watcher) await watcher.stop();
    if (broker) await broker.stop().catch(() => undefined);
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('broker killed and restarted: the program runs on, output printed meanwhile arrives in order, commands work again', async () => {
    const agent = startAgent('outage-1', { address: `127.0.0.1:${broker.port}` });
    await agent.connected(T);
    await watcher.untilStatus('outage-1', (s) => s.status === 'online', T, 'outage-1 online');
    const rec = parseRecord(await ctlOk(['dispatch', broker.url, 'run', 'outage-1', STEADY]));
    await watcher.untilOutput(rec.id, (o) => o.data === 'beat 5 total 15\n', T, 'beat 5');

    const from = agent.lines.items.length;
    await broker.kill();
    await agent.lines.until((l) => / connection to mqtt:\/\/127\.0\.0\.1:\d+ lost; reconnecting with backoff/.test(l), T, 'the agent to notice the broker is gone', from);
    const lastLive = Math.max(...watcher.output(rec.id).map((o) => beatOf(o.data)));
    // The program goes on (its device log shows it): 20 more beats while the broker is down.
    await agent.lines.until((l) => l.startsWith(`[${rec.id}] beat ${lastLive + 20} `), T, `beat ${lastLive + 20} on the device log while offline`, from);

    broker = await broker.restart();
    await agent.lines.until((l) => / reconnected to mqtt:\/\/127\.0\.0\.1:\d+ \(MQTT 5\) after [\d.]+ s offline/.test(l), T, 'the agent to reconnect', from);
    await watcher.untilOutput(rec.id, (o) => beatOf(o.data) >= lastLive + 30, T, `beat ${lastLive + 30} on the output topic`);
    const { last, repeats } = checkBeats(watcher.output(rec.id));
    assert.ok(last >= lastLive + 30);
    // (Its log line may come through its stdout after the lines came through the broker.)
    const delivered = await agent.lines.until((l) => /delivered \d+ messages of program output held while offline/.test(l), T, 'the agent to log what it delivered', from);
    assert.ok(Number(/delivered (\d+)/.exec(delivered)[1]) >= 20, delivered);
    if (repeats) console.log(`# ${repeats} line(s) delivered twice (QoS 1, at least once)`);

    // Commands work again, on the same process.
    const paused = parseRecord(await ctlOk(['dispatch', broker.url, 'pause', rec.id]));
    assert.deepEqual([paused.status, paused.pid], ['Paused', rec.pid]);
    const resumed = parseRecord(await ctlOk(['dispatch', broker.url, 'resume', rec.id]));
    assert.deepEqual([resumed.status, resumed.pid], ['Running', rec.pid]);
    const seen = watcher.output(rec.id).length;
    await watcher.untilOutput(rec.id, () => true, T, 'output after resume', seen);
    checkBeats(watcher.output(rec.id));
    await ctlOk(['dispatch', broker.url, 'kill', rec.id]);
    assert.equal((await agent.stop()).code, 0);
  });

  it('over max_queued_messages the oldest held lines go, and a marker line says how many', async () => {
    const agent = startAgent('outage-2', { address: `127.0.0.1:${broker.port}`, max_queued_messages: 10 });
    await agent.connected(T);
    await watcher.untilStatus('outage-2', (s) => s.status === 'online', T, 'outage-2 online');
    const rec = parseRecord(await ctlOk(['dispatch', broker.url, 'run', 'outage-2', STEADY]));
    await watcher.untilOutput(rec.id, (o) => o.data === 'beat 3 total 6\n', T, 'beat 3');

    const from = agent.lines.items.length;
    await broker.kill();
    await agent.lines.until((l) => / connection to .* lost/.test(l), T, 'the agent to notice', from);
    const lastLive = Math.max(...watcher.output(rec.id).map((o) => beatOf(o.data)));
    await agent.lines.until((l) => l.startsWith(`[${rec.id}] beat ${lastLive + 25} `), T, `beat ${lastLive + 25} on the device log`, from);
    await agent.lines.until((l) => /over its limit \(10 lines, .*dropping the oldest lines/.test(l), T, 'a warning about the limit', from);

    broker = await broker.restart();
    const marker = await watcher.untilOutput(rec.id, (o) => o.dropped > 0, T, 'the marker line');
    assert.equal(marker.json.stream, 'stderr');
    assert.match(marker.json.data, /^\[thingsjs-agent: \d+ lines of output \(\d+ bytes\) dropped while the broker was unreachable\]\n$/);
    await watcher.untilOutput(rec.id, (o) => beatOf(o.data) >= lastLive + 35, T, 'live output after the held lines');

    // Before the marker: the beats delivered live. After it: the 10 newest held beats, in
    // order, then live ones. The marker's count is exactly the gap.
    const out = watcher.output(rec.id);
    const at = out.findIndex((o) => o.dropped > 0);
    const before = checkBeats(out.slice(0, at));
    const afterBeats = out.slice(at + 1).map((o) => beatOf(o.data));
    const firstAfter = afterBeats[0];
    assert.equal(marker.json.dropped, firstAfter - before.last - 1, `the marker counts the missing beats ${before.last + 1}..${firstAfter - 1}`);
    assert.deepEqual(
      afterBeats.filter((n, i) => i === 0 || n > afterBeats[i - 1]),
      Array.from({ length: afterBeats[afterBeats.length - 1] - firstAfter + 1 }, (_, i) => firstAfter + i),
      'after the marker, every beat in order',
    );
    await ctlOk(['dispatch', broker.url, 'kill', rec.id]);
    assert.equal((await agent.stop()).code, 0);
  });

  it('a silent network cut (no FIN, no RST): the keepalive notices, the Will marks the agent offline, output arrives after the network is back', async () => {
    const proxy = new TcpProxy(broker.port);
    await proxy.start();
    try {
      const agent = startAgent('outage-3', { address: `127.0.0.1:${proxy.port}`, keepalive_interval: 1 });
      await agent.connected(T);
      await watcher.untilStatus('outage-3', (s) => s.status === 'online', T, 'outage-3 online');
      const rec = parseRecord(await ctlOk(['dispatch', broker.url, 'run', 'outage-3', STEADY]));
      await watcher.untilOutput(rec.id, (o) => o.data === 'beat 3 total 6\n', T, 'beat 3');

      const from = agent.lines.items.length;
      proxy.blackhole();
      // The broker stops hearing the agent: after 1.5 keepalives it publishes the Will.
      await watcher.untilStatus('outage-3', (s) => s.status === 'offline', T, 'the Will: outage-3 offline');
      await agent.lines.until((l) => / connection to .* lost/.test(l), T, 'the agent to notice (keepalive)', from);
      const lastLive = Math.max(...watcher.output(rec.id).map((o) => beatOf(o.data)));
      await agent.lines.until((l) => l.startsWith(`[${rec.id}] beat ${lastLive + 10} `), T, 'more beats while cut off', from);

      await proxy.restore();
      await watcher.untilStatus('outage-3', (s) => s.status === 'online', T, 'outage-3 online again');
      await watcher.untilOutput(rec.id, (o) => beatOf(o.data) >= lastLive + 20, T, 'output after the network is back');
      checkBeats(watcher.output(rec.id));
      const live = await watcher.untilProcess('outage-3', rec.id, (p) => p.status === 'Running', T, 'the program Running');
      assert.equal(live.pid, rec.pid, 'the same process went on');
      await ctlOk(['dispatch', broker.url, 'kill', rec.id]);
      assert.equal((await agent.stop()).code, 0);
    } finally {
      await proxy.stop();
    }
  });

  it('cleansession = false: a request sent while the device is cut off waits at the broker and is answered when it is back', async () => {
    const proxy = new TcpProxy(broker.port);
    await proxy.start();
    try {
      const agent = startAgent('persistent', { address: `127.0.0.1:${proxy.port}`, keepalive_interval: 1, cleansession: false });
      await agent.connected(T);
      assert.ok(broker.log.items.some((l) => / as thingsjs-agent-persistent \(p5, c0, k1\)/.test(l)), 'a persistent MQTT 5 session (c0)');
      await watcher.untilStatus('persistent', (s) => s.status === 'online', T, 'persistent online');
      proxy.blackhole();
      await watcher.untilStatus('persistent', (s) => s.status === 'offline', T, 'the Will: persistent offline');
      const reply = watcher.rawRequest('persistent', { action: 'list' }, { timeoutMs: T });
      await proxy.restore();
      const answered = await reply;
      assert.equal(answered.ok, true, 'the request queued by the broker was answered');
      assert.equal((await agent.stop()).code, 0);
    } finally {
      await proxy.stop();
    }
  });

  it('reconnection backs off exponentially with jitter up to the cap, and connects when the broker comes', async () => {
    const port = await freePort();
    // base 50 ms, cap 400 ms: 50, 100, 200, 400, 400... each ±20 %.
    const agent = startAgent('backoff', { address: `127.0.0.1:${port}`, restart_timeout: '0.05 0.4' }, { log_level: 'debug' });
    const warned = await agent.lines.until((l) => /cannot connect to mqtt:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED/.test(l), T, 'the first failure');
    assert.match(warned, / warn /);
    assert.match(warned, /retrying with backoff \(50 ms doubling to 400 ms, ±20 %\)/);
    const delays = [];
    await agent.lines.until(
      (l) => {
        const m = /connection attempt failed; next attempt in (\d+) ms/.exec(l);
        if (m) delays.push(Number(m[1]));
        return delays.length >= 7;
      },
      T,
      '7 failed attempts',
    );
    delays.forEach((d, i) => {
      const nominal = Math.min(400, 50 * 2 ** i);
      assert.ok(d >= nominal * 0.8 - 1 && d <= nominal * 1.2 + 1, `attempt ${i + 1}: ${d} ms is within ±20 % of ${nominal} ms (${delays.join(', ')})`);
    });
    // The same error again is not repeated at warning level.
    assert.equal(agent.lines.items.filter((l) => / warn .*cannot connect/.test(l)).length, 1, 'one warning for a repeated error');

    const late = await startMosquitto(tmp, { port, name: 'late' });
    try {
      await agent.connected(T);
      assert.ok(agent.running);
      assert.equal((await agent.stop()).code, 0);
    } finally {
      await late.stop();
    }
  });

  it('several addresses fail over: the agent connects to the second broker, then back to the first when the second dies', async () => {
    const portA = await freePort();
    const b = await startMosquitto(tmp, { name: 'failover-b' });
    let a;
    try {
      const agent = startAgent('failover', { address: `127.0.0.1:${portA} 127.0.0.1:${b.port}` });
      await agent.lines.until((l) => l.includes(`agent failover connected to mqtt://127.0.0.1:${b.port} (MQTT 5)`), T, 'a connection to the second broker');
      const init = agent.lines.items.find((l) => l.includes(' initialised '));
      assert.ok(init.includes(`broker mqtt://127.0.0.1:${portA} mqtt://127.0.0.1:${b.port}`), init);

      a = await startMosquitto(tmp, { port: portA, name: 'failover-a' });
      const from = agent.lines.items.length;
      await b.kill();
      await agent.lines.until((l) => l.includes(`agent failover reconnected to mqtt://127.0.0.1:${portA}`), T, 'a reconnection to the first broker', from);
      assert.equal((await agent.stop()).code, 0);
    } finally {
      await b.stop().catch(() => undefined);
      if (a) await a.stop();
    }
  });
});
