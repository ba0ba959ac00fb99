#!/usr/bin/env node
// npm run demo: the live-migration tutorial in one command.
//
// Starts the development broker (thingsctl broker) and two agents, worker-A and worker-B,
// runs examples/counter.js on worker-A, migrates it to worker-B mid-run, and shows from the
// program's output topic that it goes on with its count intact. Cleans up everything it
// started. Exit 0 when the migrated output equals the output of a plain `node counter.js`,
// 1 otherwise.
import { spawn, execFile, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const mqtt = require('mqtt');

const THINGSCTL = path.join(root, 'bin', 'thingsctl');
const AGENT = path.join(root, 'bin', 'thingsjs-agent');
const PROGRAM = path.join(root, 'examples', 'counter.js');
const WAIT_MS = 20000;
const MIGRATE_AT = 10;

const children = [];
let tmp;
let watcher;

const say = (text) => process.stdout.write(`\n== ${text}\n`);
const show = (text) => process.stdout.write(`   ${text}\n`);

/** Resolves when `test(line)` holds for a line of `stream`, rejects after WAIT_MS. */
function waitForLine(stream, test, what) {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => {
      stream.off('data', onData);
      reject(new Error(`timed out waiting for ${what}`));
    }, WAIT_MS);
    const onData = (chunk) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop();
      for (const line of lines) {
        const m = test(line);
        if (m) {
          clearTimeout(timer);
          stream.off('data', onData);
          resolve(m);
          return;
        }
      }
    };
    stream.setEncoding('utf8');
    stream.on('data', onData);
  });
}

function start(name, args, logFile) {
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = fs.createWriteStream(logFile);
  child.stderr.pipe(log);
  child.stdout.on('data', (d) => log.write(d));
  child.exited = new Promise((resolve) => child.on('exit', resolve));
  children.push({ name, child, logFile });
  return child;
}

function thingsctl(args) {
  show(`$ thingsctl ${args.join(' ')}`);
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [THINGSCTL, ...args], { cwd: root, timeout: 60000 }, (err, stdout, stderr) => {
      for (const line of stdout.trimEnd().split('\n')) if (line) show(`  ${line}`);
      if (err) reject(new Error(`thingsctl ${args[1] ?? args[0]} failed: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
  });
}

function within(promise, what) {
  let timer;
  return Promise.race([promise, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), WAIT_MS)))]).finally(() => clearTimeout(timer));
}

async function main() {
  if (!['thingsctl.js', 'thingsjs-agent.js', 'child.js'].every((f) => fs.existsSync(path.join(root, 'dist', f)))) {
    say('Building (npm run build)');
    execFileSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
  }
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'thingsjs-demo-'));
  const expected = new Promise((resolve, reject) =>
    execFile(process.execPath, [PROGRAM], { timeout: 60000 }, (err, stdout) => (err ? reject(err) : resolve(stdout))),
  );

  say('Starting the development broker: thingsctl broker --port 0');
  const broker = start('broker', [THINGSCTL, 'broker', '--port', '0', '--host', '127.0.0.1'], path.join(tmp, 'broker.log'));
  const url = await waitForLine(broker.stdout, (l) => /listening on (mqtt:\/\/\S+)/.exec(l)?.[1], 'the broker to listen');
  show(`broker at ${url}`);

  // Watch statuses and the program's output as any MQTT client could.
  watcher = mqtt.connect(url, { protocolVersion: 4, reconnectPeriod: 0 });
  await within(new Promise((resolve, reject) => { watcher.once('connect', resolve); watcher.once('error', reject); }), 'the demo client to connect');
  const online = new Map();
  const onlineWaiters = [];
  const lines = [];
  let lineWaiter;
  watcher.on('message', (topic, payload) => {
    const status = /^thingsjs\/v1\/agents\/([^/]+)\/status$/.exec(topic);
    if (status && payload.length) {
      online.set(status[1], JSON.parse(payload.toString()).status === 'online');
      for (const w of onlineWaiters) w();
    }
    if (/^thingsjs\/v1\/procs\/[^/]+\/out$/.test(topic)) {
      const m = JSON.parse(payload.toString());
      lines.push(m);
      show(`[${m.agent}] ${m.data.trimEnd()}`);
      lineWaiter?.();
    }
  });
  await watcher.subscribeAsync(['thingsjs/v1/agents/+/status', 'thingsjs/v1/procs/+/out']);

  say('Starting two agents, worker-A and worker-B (each with its own state directory)');
  const port = new URL(url).port;
  for (const id of ['worker-A', 'worker-B']) {
    const conf = path.join(tmp, `${id}.conf`);
    fs.writeFileSync(conf, `[agent]\nid = ${id}\nstate_dir = ${path.join(tmp, id)}\n[broker]\naddress = 127.0.0.1:${port}\n`);
    show(`$ thingsjs-agent --config ${conf}`);
    start(id, [AGENT, '--config', conf], path.join(tmp, `${id}.log`));
  }
  await within(new Promise((resolve) => {
    const check = () => online.get('worker-A') && online.get('worker-B') && resolve();
    onlineWaiters.push(check);
    check();
  }), 'both agents to be online');
  await thingsctl(['ls', '--broker', url]);

  const waitLine = (test, what) =>
    within(new Promise((resolve) => {
      const check = () => { const l = lines.find(test); if (l) { lineWaiter = undefined; resolve(l); } };
      lineWaiter = check;
      check();
    }), what);

  say(`Running examples/counter.js on worker-A (its output, from the MQTT topic thingsjs/v1/procs/ID/out)`);
  const record = await thingsctl(['dispatch', url, 'run', 'worker-A', 'examples/counter.js']);
  const id = /id: '([A-Za-z0-9]{8})'/.exec(record)?.[1];
  if (!id) throw new Error(`no process id in ${record}`);
  await waitLine((l) => l.data.startsWith(`count ${MIGRATE_AT} `), `count ${MIGRATE_AT}`);

  say(`Migrating it to worker-B while it runs`);
  await thingsctl(['dispatch', url, 'migrate', 'worker-A', 'worker-B', 'counter.js', id]);
  await waitLine((l) => l.data === 'done\n', 'the program to finish on worker-B');

  say('Where the processes are now');
  await thingsctl(['ls', '--broker', url]);

  say('Checking');
  const got = lines.filter((l) => l.id === id).map((l) => l.data).join('');
  const want = await within(expected, 'the plain node run');
  const onA = lines.filter((l) => l.agent === 'worker-A').length;
  const onB = lines.filter((l) => l.agent === 'worker-B').length;
  const firstOnB = lines.find((l) => l.agent === 'worker-B')?.data.trimEnd();
  show(`${onA} lines printed on worker-A, ${onB} on worker-B; the first on worker-B: "${firstOnB}"`);
  if (got !== want) {
    show('FAILED: the migrated output differs from `node examples/counter.js`:');
    show(`expected:\n${want}\ngot:\n${got}`);
    return 1;
  }
  if (onA === 0 || onB === 0) {
    show('FAILED: the program did not run on both agents');
    return 1;
  }
  show('OK: the output is exactly that of `node examples/counter.js`, never migrated; the count went on from where it was.');
  return 0;
}

async function cleanup() {
  watcher?.end(true);
  // Agents first (they publish their offline status through the broker), then the broker.
  for (const { child } of children.reverse()) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await Promise.race([child.exited, new Promise((r) => setTimeout(r, 5000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
}

let code = 1;
try {
  code = await main();
} catch (err) {
  process.stdout.write(`\ndemo failed: ${err.message}\n`);
  for (const { name, logFile } of children) {
    if (fs.existsSync(logFile)) process.stdout.write(`--- ${name} log ---\n${fs.readFileSync(logFile, 'utf8')}`);
  }
} finally {
  await cleanup();
}
say(code === 0 ? 'Demo finished: all processes stopped, temporary files removed.' : 'Demo FAILED.');
process.exit(code);
