'use strict';
// TLS against a real Mosquitto with certificates made by openssl in the test: a CA, the
// broker's certificate, client certificates (the broker requires one), MQTT 5 and 3.1.1,
// bridge_cafile and bridge_capath, and the failures an operator meets (no client
// certificate, the wrong CA, a certificate for another host; bridge_insecure) — each logged
// clearly while the agent keeps retrying.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startMosquitto } = require('./support/mosquitto');
const { requireBuild, AgentProcess, writeConf } = require('./support/cli');
const { Watcher } = require('./support/watcher');
const { makeCa } = require('./support/pki');

const T = 15000;
let tmp;
let pki;
let broker; // requires a client certificate
let wrongHost; // its certificate names another host
let watcher;
const started = [];

function startAgent(id, brokerKeys, agentKeys = {}) {
  const dir = path.join(tmp, id);
  fs.mkdirSync(dir, { recursive: true });
  const conf = writeConf(path.join(dir, 'agent.conf'), {
    agent: { id, state_dir: path.join(dir, 'state'), log_level: 'debug', ...agentKeys },
    broker: { restart_timeout: '0.1 0.4', ...brokerKeys },
  });
  const a = new AgentProcess(id, ['--config', conf]);
  started.push(a);
  return a;
}

/** Waits for `error` in the log, then for two more failed attempts: the agent keeps trying. */
async function failsAndRetries(a, error) {
  const line = await a.lines.until((l) => error.test(l), T, `${a.name} to log ${error}`);
  const from = a.lines.items.indexOf(line);
  let attempts = 0;
  await a.lines.until((l) => / connection attempt failed; next attempt in /.test(l) && ++attempts >= 2, T, `${a.name} to retry twice`, from);
  assert.ok(a.running, `${a.name} is still running`);
  assert.ok(!a.lines.items.some((l) => / connected to /.test(l)), `${a.name} never connected`);
  assert.equal((await a.stop()).code, 0, `${a.name} stops cleanly`);
  return line;
}

describe('TLS', () => {
  before(async () => {
    requireBuild();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'thingsjs-tls-'));
    pki = path.join(tmp, 'pki');
    const ca = makeCa(pki, 'fleet-ca');
    const server = ca.issue('broker', { san: 'IP:127.0.0.1,DNS:localhost' });
    ca.issue('dev-tls', { cn: 'dev-tls' });
    ca.issue('watcher', { cn: 'watcher' });
    ca.issue('elsewhere', { san: 'DNS:elsewhere.example' });
    const other = makeCa(path.join(tmp, 'other'), 'other-ca');
    other.issue('stranger', { cn: 'stranger' });
    // bridge_capath: a directory of CA certificates.
    fs.mkdirSync(path.join(tmp, 'cas'));
    fs.copyFileSync(ca.crt, path.join(tmp, 'cas', 'fleet-ca.pem'));

    broker = await startMosquitto(tmp, { name: 'tls', listener: [`cafile ${ca.crt}`, `certfile ${server.crt}`, `keyfile ${server.key}`, 'require_certificate true'] });
    wrongHost = await startMosquitto(tmp, { name: 'wrong-host', listener: [`cafile ${ca.crt}`, `certfile ${path.join(pki, 'elsewhere.crt')}`, `keyfile ${path.join(pki, 'elsewhere.key')}`] });
    watcher = new Watcher(`mqtts://127.0.0.1:${broker.port}`, {
      mqtt: { ca: fs.readFileSync(ca.crt), cert: fs.readFileSync(path.join(pki, 'watcher.crt')), key: fs.readFileSync(path.join(pki, 'watcher.key')) },
    });
    await watcher.start();
  });

  after(async () => {
    for (const a of started) await a.stop().catch(() => a.kill());
    if (watcher) await watcher.stop();
    for (const b of [broker, wrongHost]) if (b) await b.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('connects with the CA, a client certificate and its key (MQTT 5), and answers requests', async () => {
    const a = startAgent('dev-tls', {
      address: `127.0.0.1:${broker.port}`,
      bridge_cafile: path.join(pki, 'fleet-ca.crt'),
      bridge_certfile: path.join(pki, 'dev-tls.crt'),
      bridge_keyfile: path.join(pki, 'dev-tls.key'),
    });
    await a.connected(T);
    assert.ok(a.lines.items.some((l) => l.includes(`agent dev-tls connected to mqtts://127.0.0.1:${broker.port} (MQTT 5)`)), 'bare host:port becomes mqtts:// when TLS keys are set');
    await watcher.untilStatus('dev-tls', (s) => s.status === 'online', T, 'dev-tls online');
    const reply = await watcher.rawRequest('dev-tls', { action: 'list' });
    assert.equal(reply.ok, true);
    assert.equal((await a.stop()).code, 0);
  });

  it('MQTT 3.1.1 as configured, with the CA from bridge_capath (a directory)', async () => {
    const a = startAgent('dev-tls-311', {
      address: `mqtts://127.0.0.1:${broker.port}`,
      bridge_capath: path.join(tmp, 'cas'),
      bridge_certfile: path.join(pki, 'dev-tls.crt'),
      bridge_keyfile: path.join(pki, 'dev-tls.key'),
      bridge_protocol_version: 'mqttv311',
    });
    await a.connected(T);
    assert.ok(a.lines.items.some((l) => l.includes(`agent dev-tls-311 connected to mqtts://127.0.0.1:${broker.port} (MQTT 3.1.1)`)));
    await watcher.untilStatus('dev-tls-311', (s) => s.status === 'online', T, 'dev-tls-311 online');
    // On 3.1.1 the reply topic and correlation id travel in the payload only.
    const reply = await watcher.rawRequest('dev-tls-311', { action: 'list' });
    assert.equal(reply.ok, true);
    assert.equal((await a.stop()).code, 0);
  });

  it('without a client certificate the broker refuses the handshake: a clear error, and the agent keeps retrying', async () => {
    const a = startAgent('no-cert', { address: `127.0.0.1:${broker.port}`, bridge_cafile: path.join(pki, 'fleet-ca.crt') });
    const line = await failsAndRetries(a, /cannot connect to mqtts:\/\/127\.0\.0\.1:\d+: TLS: .*client certificate/);
    assert.match(line, / error /, 'logged as an error');
  });

  it('a client certificate from another CA is refused the same way', async () => {
    const a = startAgent('stranger', {
      address: `127.0.0.1:${broker.port}`,
      bridge_cafile: path.join(pki, 'fleet-ca.crt'),
      bridge_certfile: path.join(tmp, 'other', 'stranger.crt'),
      bridge_keyfile: path.join(tmp, 'other', 'stranger.key'),
    });
    await failsAndRetries(a, /cannot connect to mqtts:\/\/127\.0\.0\.1:\d+: TLS: /);
  });

  it('a broker certificate the CA did not sign is refused by the agent', async () => {
    const a = startAgent('wrong-ca', {
      address: `127.0.0.1:${broker.port}`,
      bridge_cafile: path.join(tmp, 'other', 'other-ca.crt'),
      bridge_certfile: path.join(pki, 'dev-tls.crt'),
      bridge_keyfile: path.join(pki, 'dev-tls.key'),
    });
    await failsAndRetries(a, /cannot connect to mqtts:\/\/127\.0\.0\.1:\d+: TLS: .*(self.signed|unable to (verify|get)).*check bridge_cafile/i);
  });

  it('a broker certificate for another host is refused, unless bridge_insecure = true (host name not checked, chain still checked)', async () => {
    const keys = { address: `127.0.0.1:${wrongHost.port}`, bridge_cafile: path.join(pki, 'fleet-ca.crt') };
    const strict = startAgent('wrong-host', keys);
    await failsAndRetries(strict, /TLS: .*(ERR_TLS_CERT_ALTNAME_INVALID).*bridge_insecure = true/);

    const lax = startAgent('wrong-host-insecure', { ...keys, bridge_insecure: true });
    await lax.connected(T);
    assert.equal((await lax.stop()).code, 0);

    // bridge_insecure does not turn off the chain check: the wrong CA still fails.
    const wrongCa = startAgent('insecure-wrong-ca', { ...keys, bridge_cafile: path.join(tmp, 'other', 'other-ca.crt'), bridge_insecure: true });
    await failsAndRetries(wrongCa, /TLS: .*(self.signed|unable to (verify|get))/i);
  });
});
