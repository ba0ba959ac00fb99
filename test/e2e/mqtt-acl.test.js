'use strict';
// The shipped Mosquitto ACL (packaging/mosquitto/thingsjs-acl.conf), used as is, with a
// password file made by mosquitto_passwd: each device reaches only its own topics, the
// admin reaches everything. A device cannot command another device, nor read its requests,
// nor speak for it; the admin runs and controls programs; a migration is refused until the
// ACL's device-to-device lines are enabled.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const mqtt = require('mqtt');
const { startMosquitto } = require('./support/mosquitto');
const { ROOT, requireBuild, thingsctl, AgentProcess, writeConf, parseRecord, ctlOk } = require('./support/cli');
const { Watcher } = require('./support/watcher');
const { within } = require('./support/wait');

const TICKER = path.join(__dirname, 'fixtures', 'ticker.js');
const ACL = path.join(ROOT, 'packaging', 'mosquitto', 'thingsjs-acl.conf');
const T = 15000;
const USERS = { admin: 'admin-secret', 'dev-a': 'a-secret #1', 'dev-b': 'b-secret;2' };

let tmp;
let broker;
let adminUrl;
let watcher;
let aclFile;
const agents = {};



async function startAgent(id) {
  const dir = path.join(tmp, id);
  fs.mkdirSync(dir);
  const passwordFile = path.join(dir, 'broker.password');
  fs.writeFileSync(passwordFile, `${USERS[id]}\n`, { mode: 0o600 });
  const conf = writeConf(path.join(dir, 'agent.conf'), {
    agent: { id, state_dir: path.join(dir, 'state'), log_level: 'debug' },
    broker: { address: `127.0.0.1:${broker.port}`, remote_username: id, remote_password_file: passwordFile, restart_timeout: '0.1 0.5' },
  });
  const a = new AgentProcess(id, ['--config', conf]);
  agents[id] = a;
  await a.connected(T);
  await watcher.untilStatus(id, (s) => s.status === 'online', T, `${id} online`);
  return a;
}

/** An MQTT 5 client logged in as `user` (a device's credentials in other hands). */
async function clientAs(user) {
  const c = mqtt.connect(broker.url, { protocolVersion: 5, reconnectPeriod: 0, username: user, password: USERS[user], clientId: `e2e-as-${user}-${Date.now()}` });
  await within(new Promise((resolve, reject) => {
    c.once('connect', resolve);
    c.once('error', reject);
  }), T, `a client as ${user} to connect`);
  return c;
}

/** Resolves with the PUBACK reason code of a QoS 1 publish (0: accepted). */
function publishCode(client, topic, payload) {
  return new Promise((resolve) => client.publish(topic, payload, { qos: 1 }, (err) => resolve(err ? err.code : 0)));
}

describe('Mosquitto ACL: devices isolated, admin in charge', () => {
  before(async () => {
    requireBuild();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'thingsjs-acl-'));
    const passwd = path.join(tmp, 'passwd');
    fs.writeFileSync(passwd, '');
    for (const [user, password] of Object.entries(USERS)) execFileSync('mosquitto_passwd', ['-b', passwd, user, password]);
    aclFile = path.join(tmp, 'thingsjs.acl');
    fs.copyFileSync(ACL, aclFile);
    broker = await startMosquitto(tmp, { global: ['allow_anonymous false', `password_file ${passwd}`, `acl_file ${aclFile}`] });
    adminUrl = `mqtt://admin:${USERS.admin}@127.0.0.1:${broker.port}`;
    watcher = new Watcher(broker.url, { mqtt: { username: 'admin', password: USERS.admin } });
    await watcher.start();
    await startAgent('dev-a');
    await startAgent('dev-b');
  });

  after(async () => {
    for (const a of Object.values(agents)) await a.stop().catch(() => a.kill());
    if (watcher) await watcher.stop();
    if (broker) await broker.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('devices connect with their own credentials and every subscription they need is granted', () => {
    for (const a of Object.values(agents)) {
      assert.ok(!a.lines.items.some((l) => /refused the subscription|refused program output/.test(l)), `${a.name}: ${a.lines.items.filter((l) => /refused/.test(l)).join('\n')}`);
    }
  });

  it('the admin runs, pauses and kills a program on a device and reads its output', async () => {
    const rec = parseRecord(await ctlOk(['dispatch', adminUrl, 'run', 'dev-a', TICKER]));
    assert.equal(rec.agent, 'dev-a');
    await watcher.untilOutput(rec.id, (o) => o.data === 'tick 2\n', T, 'tick 2 (output topic readable by the admin)');
    assert.equal(parseRecord(await ctlOk(['dispatch', adminUrl, 'pause', rec.id])).status, 'Paused');
    assert.equal(parseRecord(await ctlOk(['dispatch', adminUrl, 'kill', rec.id])).status, 'Killed');
    const ls = await ctlOk(['ls', adminUrl]);
    assert.match(ls, /^dev-a\s+online/m);
    assert.match(ls, /^dev-b\s+online/m);
  });

  it('a device cannot command another device, read its requests, or speak for it', async () => {
    const a = await clientAs('dev-a');
    try {
      const corr = `from-dev-a-${Date.now()}`;
      const request = JSON.stringify({ v: 1, correlationId: corr, replyTo: 'thingsjs/v1/agents/dev-a/reply', action: 'run', args: { name: 'evil.js', source: 'console.log("pwned")' } });
      // MQTT 5: the broker says no (0x87 Not authorized) and drops the message.
      assert.equal(await publishCode(a, 'thingsjs/v1/agents/dev-b/req', request), 0x87, 'publish to dev-b/req');
      assert.equal(await publishCode(a, 'thingsjs/v1/agents/dev-b/status', JSON.stringify({ v: 1, id: 'dev-b', status: 'offline' })), 0x87, 'publish to dev-b/status');
      assert.equal(await publishCode(a, 'thingsjs/v1/agents/dev-b/reply', '{}'), 0x87, "publish to dev-b's replies");
      // What a device may do: its own topics.
      assert.equal(await publishCode(a, 'thingsjs/v1/agents/dev-a/reply', '{}'), 0, 'publish to its own reply topic');

      // Mosquitto 2.0 grants any subscription and applies the ACL to each message it would
      // deliver: the admin publishes on dev-b's requests, a client's replies and a program's
      // output, then on dev-a's own request topic; when that last one arrives at the
      // impostor, none of the others did.
      const received = [];
      a.on('message', (topic) => received.push(topic));
      await a.subscribeAsync(['thingsjs/v1/agents/dev-b/req', 'thingsjs/v1/clients/+/reply', 'thingsjs/v1/procs/+/out', 'thingsjs/v1/agents/dev-a/req'], { qos: 1 });
      const arrived = new Promise((resolve) => a.on('message', (topic) => topic === 'thingsjs/v1/agents/dev-a/req' && resolve()));
      for (const topic of ['thingsjs/v1/clients/someone/reply', 'thingsjs/v1/procs/AAAAAAAA/out', 'thingsjs/v1/agents/dev-b/reply']) {
        await watcher.client.publishAsync(topic, '{"not":"for dev-a"}', { qos: 1 });
      }
      // A real request to dev-b (from the admin, answered), then the sentinel.
      const list = await watcher.rawRequest('dev-b', { action: 'list' });
      assert.equal(list.ok, true, 'the admin commands dev-b');
      await watcher.client.publishAsync('thingsjs/v1/agents/dev-a/req', '{}', { qos: 1 });
      await within(arrived, T, 'the sentinel on its own request topic');
      assert.deepEqual(received, ['thingsjs/v1/agents/dev-a/req'], 'dev-a read nothing but its own request topic');

      // dev-b never got the impostor's request (its debug log shows every request it handles).
      await agents['dev-b'].lines.until((l) => / request \S+: list /.test(l), T, 'dev-b to log the request it handled');
      assert.ok(!agents['dev-b'].lines.items.some((l) => l.includes(corr) || l.includes('evil.js')), 'dev-b never received the request');
    } finally {
      a.end(true);
    }
  });

  it('a migration is refused at once (E_NOT_AUTHORIZED) and the program goes on at the source, until the ACL allows device-to-device requests', async () => {
    const rec = parseRecord(await ctlOk(['dispatch', adminUrl, 'run', 'dev-a', TICKER]));
    await watcher.untilOutput(rec.id, (o) => o.data === 'tick 1\n', T, 'tick 1');
    const started = Date.now();
    const refused = await thingsctl(['dispatch', adminUrl, 'migrate', rec.id, 'dev-b']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^thingsctl: E_NOT_AUTHORIZED: the broker refused the prepare request to agent dev-b .*ACL/);
    assert.ok(Date.now() - started < 10000, 'refused without waiting for a timeout');
    const seen = watcher.output(rec.id).length;
    await watcher.untilOutput(rec.id, (o) => o.agent === 'dev-a', T, 'more output at the source', seen);
    const live = await watcher.untilProcess('dev-a', rec.id, (p) => p.status === 'Running', T, 'Running on dev-a');
    assert.equal(live.pid, rec.pid);

    // Enable the two device-to-device lines of the shipped ACL; SIGHUP reloads it.
    const text = fs.readFileSync(aclFile, 'utf8');
    const enabled = text.replace(/^#(pattern write thingsjs\/v1\/agents\/\+\/(req|reply))$/gm, '$1');
    assert.equal(enabled.split('\n').filter((l) => /^pattern write thingsjs\/v1\/agents\/\+\/(req|reply)$/.test(l)).length, 2, 'the ACL has the two lines to enable');
    fs.writeFileSync(aclFile, enabled);
    await broker.reload();
    const moved = parseRecord(await ctlOk(['dispatch', adminUrl, 'migrate', rec.id, 'dev-b']));
    assert.deepEqual([moved.agent, moved.id, moved.status], ['dev-b', rec.id, 'Running']);
    await watcher.untilOutput(rec.id, (o) => o.agent === 'dev-b', T, 'output from dev-b');
    await ctlOk(['dispatch', adminUrl, 'kill', rec.id]);
  });
});
