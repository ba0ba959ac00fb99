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

/** Starts Mosquitto in `dir`; resolves with { url, port, stop() } once it listens. */
async function startMosquitto(dir) {
  const port = await freePort();
  const conf = path.join(dir, 'mosquitto.conf');
  fs.writeFileSync(conf, [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'log_dest stderr', 'log_type error', 'log_type warning', 'log_type notice', 'log_type information', ''].join('\n'));
  const proc = spawn(mosquittoBinary(), ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  const lines = new Awaitable();
  let buffer = '';
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (chunk) => {
    buffer += chunk;
    let nl;
    while ((nl = buffer.indexOf('\n')) !== -1) {
      lines.push(buffer.slice(0, nl));
      buffer = buffer.slice(nl + 1);
    }
  });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  await Promise.race([
    lines.until((l) => l.includes(`listen socket on port ${port}`), 10000, `mosquitto to listen on port ${port}`),
    exited.then(({ code }) => {
      throw new Error(`mosquitto exited with code ${code}:\n${lines.items.join('\n')}`);
    }),
  ]);
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    log: lines,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await within(exited, 5000, 'mosquitto to exit');
    },
  };
}

module.exports = { startMosquitto, freePort };
