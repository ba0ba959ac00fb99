'use strict';
// `thingsjs-agent --check-config`: the shipped example, drop-ins in order (a later file's
// key wins), --config, every problem reported at once with file, key and reason (exit 78),
// files named by the configuration checked (TLS material, the password file), and the
// daemon refusing to start with the very same report.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFile } = require('node:child_process');
const { ROOT, requireBuild, writeConf } = require('./support/cli');
const { makeCa } = require('./support/pki');

const AGENT = path.join(ROOT, 'bin', 'thingsjs-agent');
const EXAMPLE = path.join(ROOT, 'packaging', 'agent.conf');
let tmp;
let pki;

/** Runs thingsjs-agent; resolves with { code, stdout, stderr }. */
function agent(args, timeoutMs = 15000) {
  return new Promise((resolve) => {
    execFile(process.execPath, [AGENT, ...args], { cwd: tmp, timeout: timeoutMs }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

function write(name, text) {
  const file = path.join(tmp, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

describe('thingsjs-agent --check-config', () => {
  before(() => {
    requireBuild();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'thingsjs-check-'));
    pki = path.join(tmp, 'pki');
    const ca = makeCa(pki, 'ca');
    ca.issue('dev', { cn: 'dev' });
    ca.issue('other', { cn: 'other' });
  });

  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('accepts the shipped example, and its documented defaults are the built-in ones', async () => {
    const shipped = await agent(['--check-config', '--config', EXAMPLE]);
    assert.equal(shipped.code, 0, shipped.stderr);
    assert.match(shipped.stdout, new RegExp(`^configuration OK: ${EXAMPLE}\n`));

    // Uncomment the first example of every key (except the ones naming files that do not
    // exist here, and the ones that name this device): every key must be known, and the
    // values shown as defaults must give the same configuration as no file at all.
    const seen = new Set();
    const skip = /^(id|state_dir|bridge_\w+file|bridge_capath|remote_\w+|address|memory_limit|log_format)$/;
    const lines = fs.readFileSync(EXAMPLE, 'utf8').split('\n').map((line) => {
      const m = /^;(\w+) = (.*)$/.exec(line);
      if (!m || seen.has(m[1]) || skip.test(m[1])) return line;
      seen.add(m[1]);
      return `${m[1]} = ${m[2]}`;
    });
    assert.ok(seen.size >= 10, `uncommented ${[...seen].join(', ')}`);
    const defaults = await agent(['--check-config', '--config', write('defaults/agent.conf', lines.join('\n'))]);
    assert.equal(defaults.code, 0, defaults.stderr);
    const none = await agent(['--check-config', '--config', write('empty/agent.conf', '')]);
    const body = (r) => r.stdout.split('\n').slice(1).join('\n');
    assert.equal(body(defaults), body(none), 'defaults in packaging/agent.conf match the code');
  });

  it('reads conf.d/*.conf after the main file, in name order, a later key winning; other files there are ignored', async () => {
    const main = write('dropins/agent.conf', '[agent]\nid = from-main\nlog_level = debug\n[broker]\naddress = main.example:1883\nkeepalive_interval = 10\n');
    write('dropins/conf.d/20-device.conf', '[agent]\nid = from-20\n[broker]\nrestart_timeout = 2 30\n');
    write('dropins/conf.d/10-site.conf', '[agent]\nid = from-10\n[broker]\naddress = site-1.example:8883 site-2.example:8883\nrestart_timeout = 5\n');
    write('dropins/conf.d/30-ignored.conf.disabled', 'this is not INI at all [');
    const r = await agent(['--check-config', '--config', main]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.split('\n')[0], `configuration OK: ${main}, ${path.join(tmp, 'dropins/conf.d/10-site.conf')}, ${path.join(tmp, 'dropins/conf.d/20-device.conf')}`);
    assert.match(r.stdout, /^ {2}agent {6}from-20; .*; log debug$/m);
    assert.match(r.stdout, /^ {2}broker {5}mqtt:\/\/site-1\.example:8883 mqtt:\/\/site-2\.example:8883 \(failover, in this order\); protocol auto; client id thingsjs-agent-from-20$/m);
    assert.match(r.stdout, /^ {2}reconnect {2}2 s doubling to 30 s ±20 %; keepalive 10 s; clean session$/m);
    // A command-line flag wins over every file.
    const flagged = await agent(['--check-config', '--config', main, '--id', 'from-flag']);
    assert.match(flagged.stdout, /^ {2}agent {6}from-flag; /m);
  });

  it('checks TLS material and a password file, and summarizes them (without the password)', async () => {
    const passwordFile = write('ok/broker.password', 'the secret\n');
    fs.chmodSync(passwordFile, 0o644);
    const file = writeConf(path.join(tmp, 'ok', 'agent.conf'), {
      agent: { id: 'dev' },
      broker: {
        address: 'broker.example',
        remote_username: 'dev',
        remote_password_file: 'broker.password',
        bridge_cafile: path.join(pki, 'ca.crt'),
        bridge_certfile: path.join(pki, 'dev.crt'),
        bridge_keyfile: path.join(pki, 'dev.key'),
      },
    });
    const r = await agent(['--check-config', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ {2}broker {5}mqtts:\/\/broker\.example:8883;/m);
    assert.match(r.stdout, new RegExp(`^  auth {7}user dev, password from ${passwordFile}$`, 'm'));
    assert.match(r.stdout, /^ {2}tls {8}CA .*ca\.crt; client certificate .*dev\.crt; host name checked$/m);
    assert.match(r.stdout, /^warning: \[broker\] remote_password_file .* is readable by every user/m);
    assert.ok(!r.stdout.includes('the secret'), 'the password is never printed');
  });

  it('reports every problem at once, with file, key and reason, and exits 78; the daemon refuses to start with the same report', async () => {
    write('broken/empty-cas/readme.txt', 'no certificates here');
    write('broken/not-a-cert.pem', 'hello');
    const main = write(
      'broken/agent.conf',
      [
        '[agent]',
        'id = bad/id',
        'checkpoint_interval = often',
        'memory_limit = 1M',
        `state_dir = ${path.join(tmp, 'broken', 'not-a-cert.pem', 'state')}`,
        '[broker]',
        'address = ok.example:1883 bad.example:99999',
        'keepalive_interval = 0',
        'restart_timeout = 60 1',
        'bridge_protocol_version = mqttv9',
        'bridge_cafile = missing-ca.pem',
        'bridge_capath = empty-cas',
        `bridge_certfile = ${path.join(pki, 'dev.crt')}`,
        `bridge_keyfile = ${path.join(pki, 'other.key')}`,
        'remote_password = a',
        'remote_password_file = missing.password',
        'cleansession = maybe',
        'max_queued_bytes = lots',
        '',
      ].join('\n'),
    );
    const dropIn = write('broken/conf.d/50-typo.conf', '[broker]\nadress = x\n[brokers]\nk = v\n');
    const checked = await agent(['--check-config', '--config', main]);
    assert.equal(checked.code, 78);
    assert.equal(checked.stdout, '');
    const expected = [
      [main, '[agent] id', /"bad\/id" must not contain '\/', '\+' or '#'/],
      [main, '[agent] checkpoint_interval', /"often" is not a number/],
      [main, '[agent] memory_limit', /below the 16M/],
      [main, '[agent] state_dir', /cannot be created: .*not-a-cert\.pem is not a directory/],
      [main, '[broker] address', /"bad\.example:99999" is not host\[:port\]/],
      [main, '[broker] keepalive_interval', /from 1 to 65535/],
      [main, '[broker] restart_timeout', /the cap \(1\) is below the base \(60\)/],
      [main, '[broker] bridge_protocol_version', /"mqttv9" is not one of auto, mqttv50, mqttv311, mqttv31/],
      [main, '[broker] bridge_cafile', /missing-ca\.pem does not exist/],
      [main, '[broker] bridge_capath', /empty-cas holds no PEM certificate file/],
      [main, '[broker] bridge_keyfile', /other\.key is not the private key of the certificate in .*dev\.crt/],
      [main, '[broker] remote_password_file', /and remote_password \(.*\) are both set; keep one/],
      [main, '[broker] remote_password', /needs remote_username/],
      [main, '[broker] cleansession', /"maybe" is not true or false/],
      [main, '[broker] max_queued_bytes', /"lots" is not a size/],
      [dropIn, '[broker] adress', /unknown key/],
      [dropIn, '[brokers]', /unknown section/],
    ];
    const report = checked.stderr;
    assert.match(report, new RegExp(`^thingsjs-agent: E_CONFIG: invalid configuration \\(${expected.length} problems\\):\n`));
    for (const [file, key, reason] of expected) {
      const line = report.split('\n').find((l) => l.startsWith(`  ${file}: ${key}: `));
      assert.ok(line, `reports ${key} in ${file}:\n${report}`);
      assert.match(line, reason);
    }

    // The daemon itself: the same report, the same exit code, before touching anything.
    const started = await agent(['--config', main]);
    assert.equal(started.code, 78);
    assert.equal(started.stderr, report);
  });

  it('refuses credentials in the address (it is logged), naming the keys to use', async () => {
    const r = await agent(['--check-config', '--config', write('creds/agent.conf', '[broker]\naddress = mqtt://dev:secret@broker.example:1883\n')]);
    assert.equal(r.code, 78);
    assert.match(r.stderr, /\[broker\] address: mqtt:\/\/broker\.example:1883: put the user name and password in remote_username and remote_password/);
    assert.ok(!r.stderr.includes('secret'), 'the password is not repeated');
  });

  it('names a certificate or key that is not one, and a missing configuration file', async () => {
    fs.mkdirSync(path.join(tmp, 'pem'));
    const file = writeConf(path.join(tmp, 'pem', 'agent.conf'), {
      broker: { bridge_cafile: path.join(tmp, 'broken', 'not-a-cert.pem'), bridge_certfile: path.join(pki, 'dev.crt'), bridge_keyfile: path.join(pki, 'dev.crt') },
    });
    const r = await agent(['--check-config', '--config', file]);
    assert.equal(r.code, 78);
    assert.match(r.stderr, /\[broker\] bridge_cafile: .*not-a-cert\.pem holds no PEM certificate/);
    assert.match(r.stderr, /\[broker\] bridge_keyfile: .*dev\.crt is not a PEM private key/);

    const missing = await agent(['--check-config', '--config', path.join(tmp, 'nope.conf')]);
    assert.equal(missing.code, 78);
    assert.match(missing.stderr, /nope\.conf: -: cannot read: ENOENT/);
  });
});
