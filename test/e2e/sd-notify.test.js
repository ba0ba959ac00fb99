'use strict';
// End to end: the agent under a service manager. With NOTIFY_SOCKET set it sends READY=1
// after its local initialisation (without waiting for the broker), STATUS= lines, WATCHDOG=1
// every WATCHDOG_USEC / 2, and STOPPING=1 when it stops; it does so through `systemd-notify`
// (the real one when installed, else a stub that sends the same datagram). The socket is a
// unix datagram socket of the test (a small Python listener). Without systemd-notify the agent
// runs as usual. Under journald (JOURNAL_STREAM) its lines carry sd-daemon priorities.
//
// Node 18 and 20: node:test with describe/it and top-level hooks only.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, execFileSync } = require('node:child_process');
const { startMosquitto, freePort } = require('./support/mosquitto');
const { requireBuild, thingsctl, AgentProcess, writeIni } = require('./support/cli');
const { Awaitable, within } = require('./support/wait');

const T = 15000;
const TICKER = path.join(__dirname, 'fixtures', 'ticker.js');

let tmp;
let broker;
/** PATH for the agents when the stub stands in for systemd-notify. */
let notifyPath = {};
const cleanup = [];

function python() {
  for (const p of ['/usr/bin/python3', '/bin/python3']) if (fs.existsSync(p)) return p;
  return 'python3';
}

function realSystemdNotify() {
  try {
    return execFileSync('sh', ['-c', 'command -v systemd-notify'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** A notification socket: every datagram, as text, in `messages`. */
async function listen(name) {
  const socketPath = path.join(tmp, `${name}.sock`);
  const proc = spawn(python(), [path.join(__dirname, 'support', 'notify-listener.py'), socketPath], { stdio: ['ignore', 'pipe', 'inherit'] });
  cleanup.push(() => proc.kill());
  const messages = new Awaitable();
  let listening;
  const ready = new Promise((resolve) => (listening = resolve));
  let buffer = '';
  proc.stdout.setEncoding('utf8').on('data', (chunk) => {
    buffer += chunk;
    let nl;
    while ((nl = buffer.indexOf('\n')) !== -1) {
      const m = JSON.parse(buffer.slice(0, nl));
      buffer = buffer.slice(nl + 1);
      if (m.listening) listening();
      // systemd-notify's own synchronisation step, not a notification of ours.
      else if (m.data !== 'BARRIER=1') messages.push(m.data);
    }
  });
  await within(ready, T, 'the notification socket to listen');
  return { socketPath, messages };
}

/** Starts an agent with `env`; `address`: the broker (may be down). */
function agentWith(name, env, address = `127.0.0.1:${broker.port}`) {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  const ini = writeIni(path.join(dir, 'agent.conf'), { id: name, address, stateDir: path.join(dir, 'state') });
  const agent = new AgentProcess(name, ['--config', ini], { env });
  cleanup.push(() => agent.kill());
  return agent;
}

const has = (prefix) => (m) => m.split('\n').some((l) => l.startsWith(prefix));

describe('systemd integration: sd_notify and journald', () => {
  before(async () => {
    requireBuild();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'thingsjs-notify-'));
    broker = await startMosquitto(tmp);
    if (!realSystemdNotify()) {
      // No systemd here: a stub with the same behaviour on the wire, first on PATH.
      const bin = path.join(tmp, 'bin');
      fs.mkdirSync(bin);
      fs.copyFileSync(path.join(__dirname, 'support', 'systemd-notify-stub.py'), path.join(bin, 'systemd-notify'));
      fs.chmodSync(path.join(bin, 'systemd-notify'), 0o755);
      notifyPath = { PATH: `${bin}${path.delimiter}${process.env.PATH}` };
    }
  });

  after(async () => {
    for (const c of cleanup) c();
    if (broker) await broker.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('READY=1 after local start-up, STATUS lines, WATCHDOG=1 pings, STOPPING=1 on SIGTERM, in that order', async (t) => {
    const { socketPath, messages } = await listen('main');
    const env = { NOTIFY_SOCKET: socketPath, WATCHDOG_USEC: '400000', ...notifyPath };
    t.diagnostic(`systemd-notify used: ${realSystemdNotify() ?? 'the stub test/e2e/support/systemd-notify-stub.py'}`);

    const agent = agentWith('notified', env);
    const ready = await messages.until(has('READY=1'), T, 'READY=1');
    assert.ok(agent.lines.items.some((l) => l.includes(' initialised ')), 'READY comes after local initialisation');
    assert.match(ready, /^READY=1\nSTATUS=(connected to|not connected to) mqtt:\/\/127\.0\.0\.1:\d+.*, 0 programs$/);
    const readyAt = messages.items.indexOf(ready);
    assert.ok(!messages.items.slice(0, readyAt).some(has('WATCHDOG=1')), 'no watchdog ping before READY');
    await agent.connected(T);
    await messages.until((m) => /^STATUS=connected to mqtt:\/\/127\.0\.0\.1:\d+, 0 programs$/.test(m), T, 'the connected STATUS');

    // Pings at half the watchdog period (200 ms): several while we run a program.
    const run = await thingsctl(['dispatch', `mqtt://127.0.0.1:${broker.port}`, 'run', 'notified', TICKER]);
    assert.equal(run.code, 0, run.stderr);
    await messages.until((m) => m === 'STATUS=connected to mqtt://127.0.0.1:' + broker.port + ', 1 program', T, 'STATUS with 1 program');
    const pings = () => messages.items.filter(has('WATCHDOG=1')).length;
    await messages.until(() => pings() >= 3, T, 'three watchdog pings');

    const exit = await agent.stop();
    assert.equal(exit.code, 0, agent.stderr);
    const stopping = await messages.until(has('STOPPING=1'), T, 'STOPPING=1');
    assert.match(stopping, /^STOPPING=1\nSTATUS=stopping: checkpointing 1 program$/);
    const stopAt = messages.items.indexOf(stopping);
    assert.ok(stopAt > readyAt);
    assert.ok(!messages.items.slice(stopAt + 1).some((m) => has('WATCHDOG=1')(m) || has('READY=1')(m)), `nothing after STOPPING: ${JSON.stringify(messages.items.slice(stopAt))}`);
    assert.equal(messages.items.filter(has('READY=1')).length, 1);
  });

  it('READY=1 does not wait for the broker', async () => {
    const { socketPath, messages } = await listen('nobroker');
    const env = { NOTIFY_SOCKET: socketPath, ...notifyPath };
    const port = await freePort(); // nothing listens there
    const agent = agentWith('alone', env, `127.0.0.1:${port}`);
    const ready = await messages.until(has('READY=1'), T, 'READY=1 with the broker down');
    assert.equal(ready, `READY=1\nSTATUS=not connected to mqtt://127.0.0.1:${port} (retrying), 0 programs`);
    assert.ok(!agent.lines.items.some((l) => / connected to /.test(l)));
    assert.equal((await agent.stop()).code, 0);
    await messages.until(has('STOPPING=1'), T, 'STOPPING=1');
  });

  it('without systemd-notify the agent runs and stops as usual; under journald lines carry priorities', async () => {
    const { socketPath, messages } = await listen('missing');
    const empty = path.join(tmp, 'empty-bin');
    fs.mkdirSync(empty, { recursive: true });
    const agent = agentWith('plain', { NOTIFY_SOCKET: socketPath, PATH: empty, JOURNAL_STREAM: '8:1234' });
    await agent.connected(T);
    assert.ok(agent.lines.items.some((l) => l.startsWith('<6>agent: agent plain initialised ')), agent.lines.items.join('\n'));
    const warning = await agent.lines.until((l) => l.includes('systemd-notify cannot be run'), T, 'one warning about systemd-notify');
    assert.match(warning, /^<4>agent:systemd: NOTIFY_SOCKET is set but systemd-notify cannot be run \(ENOENT\)/);
    assert.equal((await agent.stop()).code, 0);
    assert.equal(agent.lines.items.filter((l) => l.includes('systemd-notify cannot be run')).length, 1, 'said once');
    assert.deepEqual(messages.items, []);
  });
});
