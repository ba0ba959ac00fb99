#!/usr/bin/env node
'use strict';
// The part of scripts/install-test.sh that talks to the agents: it runs on the host, next to
// a Mosquitto on the host's loopback and an agent started from this repository's dist/, and
// drives an agent installed from the .deb in a Debian root file system (DIR):
//
//   install-scenario.js boot    DIR WORK   systemd boots in DIR (systemd-nspawn -b); the
//                                          packaged service is started, receives a migrated
//                                          program, is stopped (checkpoint), and the
//                                          packages are purged while systemd runs
//   install-scenario.js process DIR WORK   DIR is another architecture (armhf under
//                                          qemu-user): the packaged agent runs as the
//                                          thingsjs user without systemd; a program goes
//                                          x86-64 → DIR → x86-64 and its output must equal
//                                          the native output on both CPUs; then purge
//
// Prints one line per step: PASS, PENDING (a feature this build does not have yet; the step
// says what is missing) or FAIL; exits 1 when any step failed. Needs root (nspawn,
// nsenter), mosquitto, and `npm run build` done. Not part of npm test.
const { spawn, execFile } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startMosquitto } = require('../e2e/support/mosquitto');
const { ROOT, requireBuild, thingsctl, AgentProcess, writeIni } = require('../e2e/support/cli');
const { Watcher } = require('../e2e/support/watcher');

const PROGRAM = path.join(__dirname, 'fixtures', 'migrant.js');
const HOST_AGENT = 'it-host';
const RECORD = /id: '([A-Za-z0-9]{8})'/;

const [mode, rootfs, work] = process.argv.slice(2);
if (!['boot', 'process'].includes(mode) || !rootfs || !work) {
  process.stderr.write('usage: install-scenario.js boot|process ROOTFS WORKDIR\n');
  process.exit(2);
}
const arch = mode === 'boot' ? 'amd64' : 'armhf';
const DEVICE = `it-${arch}`;
// Everything under qemu-user is about ten times slower.
const T = mode === 'boot' ? 60_000 : 240_000;

const results = [];
function report(kind, step, detail = '') {
  results.push({ kind, step });
  process.stdout.write(`${kind.padEnd(7)} ${arch}: ${step}${detail ? ` — ${detail}` : ''}\n`);
}
const info = (text) => process.stdout.write(`        ${text.replace(/\n/g, '\n        ')}\n`);

function run(cmd, args, { timeoutMs = T, input, allowFail = false } = {}) {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      if (code !== 0 && !allowFail) reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${stderr}${stdout}`));
      else resolve({ code, stdout, stderr });
    });
    if (input !== undefined) child.stdin.end(input);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(what, fn, timeoutMs = T, everyMs = 500) {
  const end = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Numeric id of a group in the root file system (chown from the host needs numbers). */
function groupId(name) {
  const line = fs.readFileSync(path.join(rootfs, 'etc/group'), 'utf8').split('\n').find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`no group ${name} in ${rootfs}/etc/group: is thingsjs-agent installed?`);
  return Number(line.split(':')[2]);
}

/** The conf.d drop-in that points the packaged agent at the host's broker. */
function configureDevice(brokerPort) {
  const file = path.join(rootfs, 'etc/thingsjs/conf.d/50-install-test.conf');
  fs.writeFileSync(file, `; written by scripts/install-test.sh\n[agent]\nid = ${DEVICE}\ncheckpoint_interval = 0\n\n[broker]\naddress = 127.0.0.1:${brokerPort}\nrestart_timeout = 1\n`, { mode: 0o640 });
  fs.chownSync(file, 0, groupId('thingsjs'));
}

/** Whether the packaged agent speaks sd_notify (READY=1 via systemd-notify). */
function speaksNotify() {
  return fs.readFileSync(path.join(rootfs, 'usr/share/thingsjs/thingsjs-agent.js'), 'utf8').includes('READY=1');
}

/** Output lines of one process, in arrival order, with the agent that printed each. */
function outputOf(watcher, id) {
  return watcher.output(id).map((o) => ({ agent: o.agent, line: String(o.data).replace(/\n$/, '') }));
}

function nativeOutput() {
  return run(process.execPath, [PROGRAM]).then((r) => r.stdout.replace(/\n$/, '').split('\n'));
}

async function dispatch(brokerUrl, ...args) {
  const r = await thingsctl(['dispatch', '--timeout', String(T / 1000), brokerUrl, ...args], { timeoutMs: T + 10_000 });
  if (r.code !== 0) throw new Error(`thingsctl dispatch ${args.join(' ')} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r.stdout.trim();
}

/** Waits until `count` lines from `agent` have arrived (counting from the start). */
function linesFrom(watcher, id, agent, count, what) {
  return until(what, () => outputOf(watcher, id).filter((o) => o.agent === agent).length >= count, T, 100);
}

/** Files of the state directory that mention the process (checkpoints), programs/ aside. */
function checkpointFiles(id) {
  const dir = path.join(rootfs, 'var/lib/thingsjs');
  const found = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        if (p !== path.join(dir, 'programs')) walk(p);
      } else if (e.isFile() && (e.name.includes(id) || fs.readFileSync(p, 'utf8').includes(id))) {
        found.push(path.relative(rootfs, p));
      }
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return found;
}

// ---------------------------------------------------------------------------------------
// boot: systemd in the container
// ---------------------------------------------------------------------------------------

class BootedContainer {
  constructor(dir, logFile) {
    this.log = fs.openSync(logFile, 'a');
    this.proc = spawn('systemd-nspawn', ['--keep-unit', '--register=no', '--quiet', '--console=pipe', '-D', dir, '-b'], { stdio: ['ignore', this.log, this.log] });
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, signal) => resolve({ code, signal })));
  }

  /** The container's PID 1 (systemd), seen from the host: a child of systemd-nspawn. */
  async leader() {
    this.pid = await until('the container\'s systemd to start', async () => {
      const r = await run('pgrep', ['-P', String(this.proc.pid)], { allowFail: true });
      return r.stdout.trim().split('\n').filter(Boolean)[0];
    });
    return this.pid;
  }

  /** Runs a command inside the container (its mount, PID, IPC, UTS and network namespaces). */
  exec(args, options) {
    return run('nsenter', ['-t', this.pid, '-m', '-u', '-i', '-n', '-p', '--', ...args], options);
  }

  async poweroff() {
    if (this.proc.exitCode === null) this.proc.kill('SIGTERM'); // nspawn asks systemd to halt
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 60_000);
    await this.exited;
    clearTimeout(timer);
  }
}

async function bootScenario(broker, watcher) {
  const notify = speaksNotify();
  if (!notify) {
    // Type=notify would time out: this build does not send READY=1 yet. Test the rest.
    const d = path.join(rootfs, 'etc/systemd/system/thingsjs.service.d');
    fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(d, '50-install-test-no-notify.conf'), '# scripts/install-test.sh: this agent build does not speak sd_notify yet\n[Service]\nType=simple\nWatchdogSec=0\n');
    report('PENDING', 'Type=notify with WatchdogSec', 'the agent bundle never sends READY=1 (sd_notify not in this build): tested with a drop-in Type=simple, WatchdogSec=0');
  }
  configureDevice(broker.port);

  const box = new BootedContainer(rootfs, path.join(work, `boot-${arch}.log`));
  try {
    await box.leader();
    // PID 1 may still be nspawn's own child before it becomes systemd: ask until it answers.
    const state = await until('systemd in the container to finish booting', async () => {
      const r = await box.exec(['systemctl', 'is-system-running', '--wait'], { allowFail: true });
      return ['running', 'degraded'].includes(r.stdout.trim()) && r.stdout.trim();
    });
    const version = (await box.exec(['systemctl', '--version'])).stdout.split('\n')[0];
    info(`container booted: ${version}, ${state}`);
    const enabled = (await box.exec(['systemctl', 'is-enabled', 'thingsjs'], { allowFail: true })).stdout.trim();

    await box.exec(['systemctl', 'start', 'thingsjs']);
    const active = (await box.exec(['systemctl', 'is-active', 'thingsjs'], { allowFail: true })).stdout.trim();
    const props = (await box.exec(['systemctl', 'show', '-p', 'Type', '-p', 'NotifyAccess', '-p', 'WatchdogUSec', '-p', 'User', '-p', 'MainPID', 'thingsjs'])).stdout.trim().replace(/\n/g, ', ');
    if (active !== 'active') {
      info((await box.exec(['systemctl', 'status', '--no-pager', 'thingsjs'], { allowFail: true })).stdout);
      throw new Error(`systemctl start thingsjs: the service is ${active}`);
    }
    report('PASS', 'systemctl start thingsjs: active', `${enabled} at install; ${props}`);
    if (!notify) await notifyProbe(box);

    await watcher.untilStatus(DEVICE, (s) => s.status === 'online', T, `${DEVICE} online`);
    report('PASS', `registered with the host's broker (${broker.url}) from the conf.d drop-in`);

    const ls = await box.exec(['thingsctl', 'ls', broker.url]);
    if (!ls.stdout.includes(DEVICE) || !ls.stdout.includes(HOST_AGENT)) throw new Error(`thingsctl ls in the container:\n${ls.stdout}`);
    report('PASS', 'thingsctl (from its package, in the container) lists both agents');

    const native = await nativeOutput();
    const id = RECORD.exec(await dispatch(broker.url, 'run', HOST_AGENT, PROGRAM))[1];
    await linesFrom(watcher, id, HOST_AGENT, 5, `5 lines of ${id} on ${HOST_AGENT}`);
    await dispatch(broker.url, 'migrate', HOST_AGENT, DEVICE, id);
    await linesFrom(watcher, id, DEVICE, 3, `3 lines of ${id} from ${DEVICE}`);
    const out = outputOf(watcher, id);
    const atDevice = out.filter((o) => o.agent === DEVICE).length;
    report('PASS', `program ${id} migrated in from the host agent, runs in the service`, `${out.length - atDevice} lines on ${HOST_AGENT}, ${atDevice} so far in the container`);

    // Stop: the agent checkpoints its programs (KillMode=mixed: SIGTERM to it alone).
    const t0 = Date.now();
    await box.exec(['systemctl', 'stop', 'thingsjs']);
    const stopped = (await box.exec(['systemctl', 'show', '-p', 'Result', '-p', 'ExecMainCode', '-p', 'ExecMainStatus', 'thingsjs'])).stdout.trim().replace(/\n/g, ', ');
    if (!/Result=success/.test(stopped)) throw new Error(`systemctl stop thingsjs: ${stopped}`);
    report('PASS', `systemctl stop thingsjs: clean exit in ${Date.now() - t0} ms`, stopped);
    const soFar = outputOf(watcher, id).map((o) => o.line);
    if (soFar.join('\n') !== native.slice(0, soFar.length).join('\n')) throw new Error(`output so far is not the native output's beginning:\n${soFar.join('\n')}`);
    report('PASS', `output so far (${soFar.length} lines, two machines) equals the native run's first ${soFar.length} lines`);

    const checkpoints = checkpointFiles(id);
    if (checkpoints.length === 0) {
      report('PENDING', 'checkpoint on stop', `no file in /var/lib/thingsjs mentions ${id} after systemctl stop (checkpointing is not in this build)`);
    } else {
      report('PASS', 'checkpoint on stop', checkpoints.join(', '));
      await box.exec(['systemctl', 'start', 'thingsjs']);
      await watcher.untilProcess(DEVICE, id, () => true, T, `${id} restored on ${DEVICE} after a restart`);
      await until(`${id} to finish`, () => outputOf(watcher, id).length >= native.length, T, 200);
      const all = outputOf(watcher, id).map((o) => o.line);
      if (all.join('\n') !== native.join('\n')) throw new Error(`output after the restart differs from the native output:\n${all.join('\n')}`);
      report('PASS', `restored from the checkpoint on start; total output (${all.length} lines) equals the native output`);
      await box.exec(['systemctl', 'stop', 'thingsjs']);
    }

    // The launcher keeps V8's compiled code of the agent in the unit's CacheDirectory.
    const cacheDir = path.join(rootfs, 'var/cache/thingsjs');
    const cached = fs.existsSync(cacheDir) ? fs.readdirSync(cacheDir).filter((f) => f.endsWith('.v8cache')) : [];
    if (cached.length === 0) throw new Error('no V8 code cache in /var/cache/thingsjs after the service stopped');
    report('PASS', `V8 code cache written by the launcher: var/cache/thingsjs/${cached[0]} (${fs.statSync(path.join(cacheDir, cached[0])).size} bytes)`);

    // The test's own drop-ins go first: what is left after the purge must be the package's.
    fs.rmSync(path.join(rootfs, 'etc/systemd/system/thingsjs.service.d'), { recursive: true, force: true });
    await purge((args) => box.exec(args, { timeoutMs: 5 * 60_000 }));
    const unit = (await box.exec(['systemctl', 'list-unit-files', '--no-legend', 'thingsjs.service'], { allowFail: true })).stdout.trim();
    if (unit) throw new Error(`after purge, systemd still knows thingsjs.service: ${unit}`);
  } finally {
    await box.poweroff();
  }
}

/**
 * While the agent does not speak sd_notify: does the packaged unit's sandbox let a Node.js
 * process that spawns systemd-notify (what the agent will do) report READY=1 and keep the
 * watchdog fed? A probe unit with the unit's [Service] section, another ExecStart and a
 * short WatchdogSec answers that.
 */
async function notifyProbe(box) {
  const script = '/usr/local/lib/thingsjs-notify-probe.js';
  const unitFile = 'etc/systemd/system/thingsjs-notify-probe.service';
  fs.mkdirSync(path.join(rootfs, 'usr/local/lib'), { recursive: true });
  fs.writeFileSync(path.join(rootfs, script), [
    "const { execFileSync } = require('node:child_process');",
    "const notify = (m) => execFileSync('systemd-notify', [m]);",
    "setTimeout(() => notify('READY=1'), 500);",
    "setInterval(() => notify('WATCHDOG=1'), 1000);",
    "process.on('SIGTERM', () => { notify('STOPPING=1'); process.exit(0); });",
    '',
  ].join('\n'));
  const unit = fs
    .readFileSync(path.join(rootfs, 'lib/systemd/system/thingsjs.service'), 'utf8')
    .replace(/^ExecStart=.*$/m, `ExecStart=/usr/bin/node ${script}`)
    .replace(/^WatchdogSec=.*$/m, 'WatchdogSec=4s')
    .replace(/^Restart=.*$/m, 'Restart=no')
    // Its own stop would remove /run/thingsjs under the running agent.
    .replace(/^RuntimeDirectory.*\n/gm, '')
    .replace(/\[Install\][\s\S]*$/, '');
  fs.writeFileSync(path.join(rootfs, unitFile), unit);
  try {
    await box.exec(['systemctl', 'daemon-reload']);
    await box.exec(['systemctl', 'start', 'thingsjs-notify-probe']); // returns after READY=1
    await sleep(12_000); // three watchdog periods
    const st = (await box.exec(['systemctl', 'show', '-p', 'ActiveState', '-p', 'Result', '-p', 'NRestarts', 'thingsjs-notify-probe'])).stdout.trim().replace(/\n/g, ', ');
    if (!/ActiveState=active/.test(st)) throw new Error(`notify probe under the unit's sandbox: ${st}`);
    await box.exec(['systemctl', 'stop', 'thingsjs-notify-probe']);
    report('PASS', "the unit's sandbox passes sd_notify from a node child's systemd-notify", `probe with the same [Service]: READY=1 started it, WATCHDOG=1 every 1 s kept it up 12 s under WatchdogSec=4s (${st})`);
  } finally {
    fs.rmSync(path.join(rootfs, unitFile), { force: true });
    fs.rmSync(path.join(rootfs, script), { force: true });
    await box.exec(['systemctl', 'daemon-reload'], { allowFail: true });
  }
}

/** apt purge in the installed system; the configuration and state must be gone. */
async function purge(execIn) {
  // nodejs stays (apt autoremove would take it): the file check of install-test.sh looks
  // for files that no installed package owns.
  await execIn(['apt-get', 'purge', '-y', '-q', 'thingsjs-agent', 'thingsctl']);
  const left = ['etc/thingsjs', 'var/lib/thingsjs', 'usr/share/thingsjs', 'lib/systemd/system/thingsjs.service'].filter((p) => fs.existsSync(path.join(rootfs, p)));
  if (left.length) throw new Error(`left after apt purge: ${left.join(', ')}`);
  report('PASS', 'apt purge thingsjs-agent thingsctl: /etc/thingsjs, /var/lib/thingsjs, the bundles and the unit are gone');
}

// ---------------------------------------------------------------------------------------
// process: another CPU, no systemd
// ---------------------------------------------------------------------------------------

function nspawn(args, options) {
  return run('systemd-nspawn', ['--quiet', '--register=no', '--keep-unit', '--pipe', '-D', rootfs, ...args], options);
}

async function processScenario(broker, watcher) {
  const t0 = Date.now();
  const machine = (await nspawn(['node', '-p', 'process.arch + " " + process.version'])).stdout.trim();
  // The agent gives a program host (a node process loading child.js) 15 s to start; under
  // qemu on a busy machine node alone can take most of that.
  info(`node startup under emulation, nspawn included: ${((Date.now() - t0) / 1000).toFixed(1)} s; load average ${os.loadavg()[0].toFixed(1)}`);
  if (!/^arm /.test(machine)) throw new Error(`expected an arm node in ${rootfs}, found ${machine}`);
  fs.copyFileSync(PROGRAM, path.join(rootfs, 'var/tmp/migrant.js'));
  const nativeHere = (await nativeOutput()).join('\n');
  const nativeThere = (await nspawn(['node', '/var/tmp/migrant.js'])).stdout.replace(/\n$/, '');
  fs.rmSync(path.join(rootfs, 'var/tmp/migrant.js'));
  if (nativeThere !== nativeHere) throw new Error('the program prints differently on armhf and x86-64 when run natively');
  report('PASS', `node ${machine} (qemu-user) runs the program natively with the same output as x86-64 node ${process.version}`);

  configureDevice(broker.port);
  try {
    await roundTrip(broker, watcher, nativeHere);
  } finally {
    // Also after a failure: the purge and the file check are steps of their own.
    await purge((args) => nspawn(args, { timeoutMs: 10 * 60_000 }));
  }
}

/** x86-64 → armhf → x86-64 with the packaged agent running as the thingsjs user. */
async function roundTrip(broker, watcher, nativeHere) {
  const log = fs.openSync(path.join(work, `agent-${arch}.log`), 'a');
  // The packaged agent as the service would run it: user thingsjs, the packaged config.
  const agent = spawn('systemd-nspawn', ['--quiet', '--register=no', '--keep-unit', '--pipe', '--kill-signal=SIGTERM', '-D', rootfs, '--user=thingsjs', '--chdir=/var/lib/thingsjs', '/usr/sbin/thingsjs-agent', '--config', '/etc/thingsjs/agent.conf'], { stdio: ['ignore', log, log] });
  const exited = new Promise((resolve) => agent.on('exit', (code, signal) => resolve({ code, signal })));
  try {
    await Promise.race([
      watcher.untilStatus(DEVICE, (s) => s.status === 'online', T, `${DEVICE} online`),
      exited.then(({ code }) => {
        throw new Error(`the armhf agent exited with ${code}; see ${work}/agent-${arch}.log`);
      }),
    ]);
    report('PASS', `packaged agent runs as user thingsjs on armhf and registers with the host's broker`);

    const id = RECORD.exec(await dispatch(broker.url, 'run', HOST_AGENT, PROGRAM))[1];
    await linesFrom(watcher, id, HOST_AGENT, 5, `5 lines of ${id} on ${HOST_AGENT}`);
    let t0 = Date.now();
    await dispatch(broker.url, 'migrate', HOST_AGENT, DEVICE, id);
    const there = Date.now() - t0;
    await linesFrom(watcher, id, DEVICE, 5, `5 lines of ${id} from ${DEVICE}`);
    t0 = Date.now();
    await dispatch(broker.url, 'migrate', DEVICE, HOST_AGENT, id);
    const back = Date.now() - t0;
    const expected = nativeHere.split('\n');
    await until(`${id} to finish on ${HOST_AGENT}`, () => outputOf(watcher, id).length >= expected.length, T, 200);
    const out = outputOf(watcher, id);
    const hops = [];
    for (const o of out) if (hops.length === 0 || hops[hops.length - 1].agent !== o.agent) hops.push({ agent: o.agent, lines: 1 });
    else hops[hops.length - 1].lines++;
    const got = out.map((o) => o.line).join('\n');
    if (got !== nativeHere) throw new Error(`migrated output differs from the native output:\n${got}`);
    if (hops.map((h) => h.agent).join(' ') !== `${HOST_AGENT} ${DEVICE} ${HOST_AGENT}`) throw new Error(`unexpected hops: ${JSON.stringify(hops)}`);
    report('PASS', `x86-64 → armhf → x86-64: output identical to the native run (${out.length} lines)`, `${hops.map((h) => `${h.lines} on ${h.agent}`).join(', ')}; migrate took ${there} ms there, ${back} ms back`);
  } finally {
    if (agent.exitCode === null) agent.kill('SIGTERM');
    const timer = setTimeout(() => agent.kill('SIGKILL'), 60_000);
    const { code, signal } = await exited;
    clearTimeout(timer);
    if (code === 0) report('PASS', 'the armhf agent stops on SIGTERM with status 0');
    else report('FAIL', 'the armhf agent stops on SIGTERM with status 0', `exit ${code} ${signal ?? ''}`);
  }
}

// ---------------------------------------------------------------------------------------

async function main() {
  requireBuild();
  fs.mkdirSync(work, { recursive: true });
  const broker = await startMosquitto(work);
  const watcher = new Watcher(broker.url);
  await watcher.start();
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'thingsjs-it-host-'));
  const host = new AgentProcess(HOST_AGENT, ['--config', writeIni(path.join(work, 'host-agent.conf'), { id: HOST_AGENT, address: `127.0.0.1:${broker.port}`, stateDir })]);
  try {
    await host.connected(30_000);
    info(`broker ${broker.url}; host agent ${HOST_AGENT} (x86-64, node ${process.version}) from ${path.relative(ROOT, ROOT) || '.'}/dist`);
    if (mode === 'boot') await bootScenario(broker, watcher);
    else await processScenario(broker, watcher);
  } catch (err) {
    report('FAIL', err.message.split('\n')[0], err.message.includes('\n') ? err.message.slice(err.message.indexOf('\n') + 1).slice(0, 4000) : '');
  } finally {
    await host.stop().catch(() => host.kill());
    await watcher.stop();
    await broker.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
  process.exit(results.some((r) => r.kind === 'FAIL') ? 1 : 0);
}

main();
