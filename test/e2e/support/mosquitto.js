'use strict';
// A real Mosquitto for a test: its own config on a free loopback port, killed afterwards.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { Awaitable, within } = require('./wait');

function mosquittoBinary() {
  const candidates = [process.env.MOSQUITTO, '/usr/sbin/mosquitto', '/usr/local/sbin/mosquitto'].filter(Boolean);
  for (const c of candidates) if (fs.existsSync(c)) return c;
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    const c = path.join(dir, 'mosquitto');
    if (fs.existsSync(c)) return c;
  }
  throw new Error('mosquitto is not installed (Debian: apt-get install mosquitto)');
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts Mosquitto in `dir`; resolves with { url, port, stop(), kill(), reload(), restart() }
 * once it listens. Options (all optional; the defaults are an anonymous broker):
 *   port      the port (default: a free one); a restart keeps it
 *   name      the config file's name in `dir` (several brokers in one directory)
 *   listener  lines after the `listener` line (TLS: cafile, certfile, require_certificate...)
 *   global    lines for the rest (password_file, acl_file...); `allow_anonymous true`
 *             unless they set allow_anonymous
 */
async function startMosquitto(dir, options = {}) {
  const port = options.port || (await freePort());
  const name = options.name || 'mosquitto';
  const conf = path.join(dir, `${name}.conf`);
  const global = options.global || [];
  const lines = [
    `listener ${port} 127.0.0.1`,
    ...(options.listener || []),
    ...(global.some((l) => /^allow_anonymous\b/.test(l)) ? [] : ['allow_anonymous true']),
    ...(global.some((l) => /^persistence\b/.test(l)) ? [] : ['persistence false']),
    ...global,
    // As packaging/mosquitto/thingsjs.conf recommends: small messages (a request, its
    // reply) go out at once instead of after the peer's delayed ACK (about 40 ms a hop).
    ...(global.some((l) => /^set_tcp_nodelay\b/.test(l)) ? [] : ['set_tcp_nodelay true']),
    // Run as root (a container), Mosquitto drops to its own user, which cannot read the
    // test's files (password file, ACL, persistence directory) in a private temp dir.
    ...(process.getuid && process.getuid() === 0 && !global.some((l) => /^user\b/.test(l)) ? ['user root'] : []),
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'log_type notice',
    'log_type information',
    '',
  ];
  fs.writeFileSync(conf, lines.join('\n'));
  const proc = spawn(mosquittoBinary(), ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  const lines$ = new Awaitable();
  let buffer = '';
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (chunk) => {
    buffer += chunk;
    let nl;
    while ((nl = buffer.indexOf('\n')) !== -1) {
      lines$.push(buffer.slice(0, nl));
      buffer = buffer.slice(nl + 1);
    }
  });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  await Promise.race([
    lines$.until((l) => l.includes(`listen socket on port ${port}`), 10000, `mosquitto to listen on port ${port}`),
    exited.then(({ code }) => {
      throw new Error(`mosquitto exited with code ${code}:\n${lines$.items.join('\n')}`);
    }),
  ]);
  const running = () => proc.exitCode === null && proc.signalCode === null;
  const broker = {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    pid: proc.pid,
    log: lines$,
    async stop() {
      if (running()) proc.kill('SIGTERM');
      await within(exited, 5000, 'mosquitto to exit');
    },
    /** SIGKILL: a crash, nothing saved, no goodbye to the clients. */
    async kill() {
      if (running()) proc.kill('SIGKILL');
      await within(exited, 5000, 'mosquitto to die');
    },
    /** SIGHUP: Mosquitto reloads its password and ACL files. Resolves when it has. */
    async reload() {
      const from = lines$.items.length;
      proc.kill('SIGHUP');
      await lines$.until((l) => /Reloading config/i.test(l), 5000, 'mosquitto to reload its configuration', from);
    },
    /** A new broker with the same configuration and port (call after stop or kill). */
    restart() {
      return startMosquitto(dir, { ...options, port });
    },
  };
  return broker;
}

module.exports = { startMosquitto, freePort, mosquittoBinary };
