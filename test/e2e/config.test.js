'use strict';
// The agent's configuration forms: INI, the original worker JSON, command-line overrides,
// and broken files (every problem reported, E_CONFIG, non-zero exit).
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startMosquitto } = require('./support/mosquitto');
const { requireBuild, AgentProcess, writeIni } = require('./support/cli');
const { within } = require('./support/wait');

const T = 15000;
let tmp;
let broker;
const started = [];

function agent(name, args) {
  const a = new AgentProcess(name, args);
  started.push(a);
  return a;
}

/** Starts an agent, checks its two log lines, stops it with SIGTERM (exit 0). */
async function startsAndStops(name, args, { id, url }) {
  const a = agent(name, args);
  await a.connected(T);
  const init = a.lines.items.find((l) => l.includes(' initialised '));
  assert.ok(init && init.includes(`agent ${id} initialised (broker ${url}`), `initialised line names id and broker: ${init}`);
  assert.ok(a.lines.items.some((l) => l.includes(`agent ${id} connected to ${url}`)), 'connected line names id and broker');
  const exit = await a.stop();
  assert.equal(exit.code, 0, `exit code after SIGTERM (stderr: ${a.stderr})`);
}

describe('agent configuration', () => {
  before(async () => {
    requireBuild();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'thingsjs-config-'));
    broker = await startMosquitto(tmp);
  });

  after(async () => {
    for (const a of started) a.kill();
    if (broker) await broker.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('accepts an INI file with --config', async () => {
    const ini = writeIni(path.join(tmp, 'ini.conf'), { id: 'ini-agent', address: `127.0.0.1:${broker.port}`, stateDir: path.join(tmp, 'ini-state') });
    await startsAndStops('ini-agent', ['--config', ini], { id: 'ini-agent', url: broker.url });
    assert.ok(fs.existsSync(path.join(tmp, 'ini-state')), 'state_dir is created');
  });

  it('accepts the original worker JSON as a positional file', async () => {
    const file = path.join(tmp, 'worker.json');
    fs.writeFileSync(file, JSON.stringify({ pubsub_url: broker.url, id: 'legacy-agent' }));
    await startsAndStops('legacy-agent', [file, '--state-dir', path.join(tmp, 'legacy-state')], { id: 'legacy-agent', url: broker.url });
  });

  it('lets --id and --broker override the file', async () => {
    const ini = writeIni(path.join(tmp, 'override.conf'), { id: 'from-file', address: '127.0.0.1:1', stateDir: path.join(tmp, 'override-state') });
    await startsAndStops('override', [ini, '--id', 'from-flag', '--broker', broker.url], { id: 'from-flag', url: broker.url });
  });

  it('reports every problem of a broken INI file at once, with file and key, and exits non-zero', async () => {
    const file = path.join(tmp, 'broken.conf');
    fs.writeFileSync(file, '[agent]\nid = bad/id\nmigrate_timeout = soon\ncolour = blue\n[broker]\naddress = localhost:1883\nbridge_protocol_version = mqttv9\n[extra]\nx = 1\n');
    const a = agent('broken', ['--config', file]);
    const exit = await within(a.exited, T, 'the agent to exit');
    assert.notEqual(exit.code, 0);
    assert.match(a.stderr, /^thingsjs-agent: E_CONFIG: /);
    for (const key of ['[agent] id', '[agent] migrate_timeout', '[agent] colour', '[broker] bridge_protocol_version', '[extra]']) {
      assert.ok(a.stderr.includes(`${file}: ${key}`), `mentions ${key}: ${a.stderr}`);
    }
  });

  it('rejects a missing file and broken JSON with E_CONFIG', async () => {
    for (const [name, file, text] of [
      ['missing', path.join(tmp, 'nope.conf'), undefined],
      ['bad-json', path.join(tmp, 'bad.json'), '{"pubsub_url": "mqtt://x", '],
    ]) {
      if (text !== undefined) fs.writeFileSync(file, text);
      const a = agent(name, [file]);
      const exit = await within(a.exited, T, `the agent (${name}) to exit`);
      assert.notEqual(exit.code, 0, name);
      assert.match(a.stderr, /^thingsjs-agent: E_CONFIG: /, name);
      assert.ok(a.stderr.includes(file), `${name}: names the file`);
    }
  });
});
