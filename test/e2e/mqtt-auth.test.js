'use strict';
// Password authentication against a real Mosquitto (password file made by mosquitto_passwd):
// good credentials from remote_password_file or remote_password; bad ones refused with a
// clear error while the agent keeps retrying with backoff (it connects as soon as the
// broker's password file is fixed and reloaded); anonymous clients refused; MQTT 3.1.1 too.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { startMosquitto } = require('./support/mosquitto');
const { requireBuild, AgentProcess, writeConf } = require('./support/cli');

const T = 15000;
let tmp;
let passwd;
let broker;
const started = [];

/** `password` in a file of its own (mode 600), as remote_password_file wants it. */
function passwordFile(name, password) {
  const file = path.join(tmp, `${name}.password`);
  fs.writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return file;
}

function startAgent(id, brokerKeys, agentKeys = {}) {
  const dir = path.join(tmp, id);
  fs.mkdirSync(dir, { recursive: true });
  const conf = writeConf(path.join(dir, 'agent.conf'), {
    agent: { id, state_dir: path.join(dir, 'state'), log_level: 'debug', ...agentKeys },
    broker: { address: `127.0.0.1:${broker.port}`, restart_timeout: '0.1 0.8', ...brokerKeys },
  });
  const a = new AgentProcess(id, ['--config', conf]);
  started.push(a);
  return a;
}

/** The delays (ms) of the agent's failed attempts, once there are `n` of them. */
async function retryDelays(a, n, from = 0) {
  const delays = [];
  await a.lines.until(
    (l) => {
      const m = /connection attempt failed; next attempt in (\d+) ms/.exec(l);
      if (m) delays.push(Number(m[1]));
      return delays.length >= n;
    },
    T,
    `${a.name}: ${n} failed attempts`,
    from,
  );
  return delays;
}

describe('password authentication', () => {
  before(async () => {
    requireBuild();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'thingsjs-auth-'));
    passwd = path.join(tmp, 'passwd');
    fs.writeFileSync(passwd, '');
    // Mosquitto 2.0.11 answers a wrong password with 0x87 Not authorized (MQTT 5).
    // Passwords with the characters an INI file would take for a comment.
    for (const [user, password] of [['dev-file', 'from a file; with # and ;'], ['dev-inline', 'p#ss;word'], ['dev-bad', 'the right one'], ['dev-311', 'v3 password']]) {
      execFileSync('mosquitto_passwd', ['-b', passwd, user, password]);
    }
    broker = await startMosquitto(tmp, { global: ['allow_anonymous false', `password_file ${passwd}`] });
  });

  after(async () => {
    for (const a of started) await a.stop().catch(() => a.kill());
    if (broker) await broker.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('good credentials: remote_password_file, and remote_password quoted in the INI file', async () => {
    const a = startAgent('dev-file', { remote_username: 'dev-file', remote_password_file: passwordFile('dev-file', 'from a file; with # and ;') });
    // The INI quirk: unquoted, ` #` and ` ;` would start a comment; quoted they are kept.
    const b = startAgent('dev-inline', { remote_username: 'dev-inline', remote_password: '"p#ss;word"' });
    await Promise.all([a.connected(T), b.connected(T)]);
    for (const x of [a, b]) assert.equal((await x.stop()).code, 0);
  });

  it('bad credentials: a clear error, retries with growing delays without crashing, and a connection once the broker accepts them', async () => {
    const brokerFrom = broker.log.items.length;
    const a = startAgent('dev-bad', { remote_username: 'dev-bad', remote_password_file: passwordFile('dev-bad', 'a wrong one') });
    const error = await a.lines.until((l) => /cannot connect to/.test(l), T, 'the refusal');
    assert.match(error, / error /, 'logged as an error');
    assert.match(error, /the broker refused the user dev-bad \(Connection refused: (Bad User Name or Password|Not authorized)\): check \[broker\] remote_username and remote_password_file \(.*dev-bad\.password\)/);
    assert.match(error, /retrying with backoff \(100 ms doubling to 800 ms, ±20 %\)/);

    const delays = await retryDelays(a, 6);
    delays.forEach((d, i) => {
      const nominal = Math.min(800, 100 * 2 ** i);
      assert.ok(d >= nominal * 0.8 - 1 && d <= nominal * 1.2 + 1, `attempt ${i + 1}: ${d} ms within ±20 % of ${nominal} ms (${delays.join(', ')})`);
    });
    assert.ok(a.running, 'still running');
    assert.equal(a.lines.items.filter((l) => / error .*cannot connect/.test(l)).length, 1, 'the same refusal is reported once, then at debug level');
    const refusals = broker.log.items.slice(brokerFrom).filter((l) => /disconnected, not authorised/.test(l)).length;
    assert.ok(refusals >= 6, `the broker refused every attempt (${refusals})`);

    // The operator fixes the broker's password file; Mosquitto reloads it on SIGHUP.
    execFileSync('mosquitto_passwd', ['-b', passwd, 'dev-bad', 'a wrong one']);
    await broker.reload();
    await a.connected(T);
    assert.equal((await a.stop()).code, 0);
  });

  it('no credentials: the anonymous connection is refused, and the agent keeps trying', async () => {
    const a = startAgent('dev-anon', {});
    const error = await a.lines.until((l) => /cannot connect to/.test(l), T, 'the refusal');
    assert.match(error, /the broker refused the anonymous connection \(Connection refused: Not authorized\)/);
    await retryDelays(a, 3);
    assert.ok(a.running);
    assert.equal((await a.stop()).code, 0);
  });

  it('MQTT 3.1.1: the same, with 3.1.1 return codes', async () => {
    const bad = startAgent('dev-311-bad', { remote_username: 'dev-311', remote_password: 'wrong', bridge_protocol_version: 'mqttv311' });
    const error = await bad.lines.until((l) => /cannot connect to/.test(l), T, 'the refusal');
    assert.match(error, /the broker refused the user dev-311 \(Connection refused: (Bad username or password|Not authorized)\)/);
    await retryDelays(bad, 3);
    assert.equal((await bad.stop()).code, 0);

    const good = startAgent('dev-311', { remote_username: 'dev-311', remote_password: 'v3 password', bridge_protocol_version: 'mqttv311' });
    await good.connected(T);
    assert.ok(good.lines.items.some((l) => / connected to .*\(MQTT 3\.1\.1\)/.test(l)));
    assert.equal((await good.stop()).code, 0);
  });
});
