'use strict';
// Protocol version: `auto` offers MQTT 5 and falls back to 3.1.1 on a broker that refuses 5
// (the development broker, aedes); forcing mqttv50 there is a clear, retried refusal.
// (Against Mosquitto, which speaks 5, the other e2e files show "(MQTT 5)", and mqttv311.)
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { freePort } = require('./support/mosquitto');
const { ROOT, requireBuild, thingsctl, AgentProcess, writeConf } = require('./support/cli');
const { Awaitable, within } = require('./support/wait');

const T = 15000;
let tmp;
let port;
let aedes;
const started = [];

function startAgent(id, brokerKeys) {
  const dir = path.join(tmp, id);
  fs.mkdirSync(dir, { recursive: true });
  const conf = writeConf(path.join(dir, 'agent.conf'), {
    agent: { id, state_dir: path.join(dir, 'state'), log_level: 'debug' },
    broker: { address: `127.0.0.1:${port}`, restart_timeout: '0.1 0.4', ...brokerKeys },
  });
  const a = new AgentProcess(id, ['--config', conf]);
  started.push(a);
  return a;
}

describe('protocol version against an MQTT 3.1.1 broker (thingsctl broker)', () => {
  before(async () => {
    requireBuild();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'thingsjs-proto-'));
    port = await freePort();
    aedes = spawn(process.execPath, [path.join(ROOT, 'bin', 'thingsctl'), 'broker', '--port', String(port), '--host', '127.0.0.1'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = new Awaitable();
    aedes.stdout.setEncoding('utf8');
    aedes.stdout.on('data', (d) => d.split('\n').forEach((l) => l && lines.push(l)));
    await lines.until((l) => l.includes('listening on'), T, 'the development broker');
  });

  after(async () => {
    for (const a of started) await a.stop().catch(() => a.kill());
    if (aedes && aedes.exitCode === null) {
      aedes.kill('SIGTERM');
      await within(new Promise((r) => aedes.on('exit', r)), 5000, 'the development broker to exit');
    }
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('auto falls back to MQTT 3.1.1, quietly, and requests are answered', async () => {
    const a = startAgent('auto', {});
    await a.connected(T);
    assert.ok(a.lines.items.some((l) => l.includes(`agent auto connected to mqtt://127.0.0.1:${port} (MQTT 3.1.1)`)));
    assert.ok(!a.lines.items.some((l) => / (warn|error) /.test(l)), `no warning for the fallback:\n${a.lines.items.join('\n')}`);
    const ls = await thingsctl(['ls', `mqtt://127.0.0.1:${port}`]);
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, /^auto\s+online/m);
    assert.equal((await a.stop()).code, 0);
  });

  it('bridge_protocol_version = mqttv50 on a 3.1.1 broker: refused, said clearly, retried', async () => {
    const a = startAgent('v5-only', { bridge_protocol_version: 'mqttv50' });
    const line = await a.lines.until((l) => /cannot connect to/.test(l), T, 'the refusal');
    assert.match(line, / error .*the broker refused the connection \(Connection refused: Unacceptable protocol version\): it does not speak MQTT 5; set \[broker\] bridge_protocol_version = auto/);
    let attempts = 0;
    await a.lines.until((l) => / connection attempt failed; next attempt in /.test(l) && ++attempts >= 3, T, 'three attempts');
    assert.ok(a.running);
    assert.equal((await a.stop()).code, 0);
  });
});
