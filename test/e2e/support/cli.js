'use strict';
// The real programs of the repository, spawned: thingsctl and thingsjs-agent.
const assert = require('node:assert/strict');
const { spawn, execFile } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { Awaitable, within } = require('./wait');

const ROOT = path.resolve(__dirname, '..', '..', '..');
const THINGSCTL = path.join(ROOT, 'bin', 'thingsctl');
const AGENT = path.join(ROOT, 'bin', 'thingsjs-agent');

/** Fails early, with the fix, when the bundles are missing. */
function requireBuild() {
  for (const f of ['thingsctl.js', 'thingsjs-agent.js', 'child.js']) {
    if (!fs.existsSync(path.join(ROOT, 'dist', f))) throw new Error(`dist/${f} is missing: run \`npm run build\` first`);
  }
}

/** Runs thingsctl; resolves with { code, stdout, stderr } (never rejects on a non-zero exit). */
function thingsctl(args, { env = {}, timeoutMs = 60000 } = {}) {
  return new Promise((resolve) => {
    execFile(process.execPath, [THINGSCTL, ...args], { cwd: ROOT, env: { ...process.env, THINGSJS_BROKER: '', ...env }, timeout: timeoutMs }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr, killed: Boolean(err && err.killed) });
    });
  });
}

/** A running thingsjs-agent; its stdout lines are awaitable. */
class AgentProcess {
  /** `env`: added to the test's environment (NOTIFY_SOCKET, PATH...). */
  constructor(name, args, { env } = {}) {
    this.name = name;
    this.lines = new Awaitable();
    this.proc = spawn(process.execPath, [AGENT, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    this.stderr = '';
    let buffer = '';
    this.proc.stdout.setEncoding('utf8');
    this.proc.stdout.on('data', (chunk) => {
      buffer += chunk;
      let nl;
      while ((nl = buffer.indexOf('\n')) !== -1) {
        this.lines.push(buffer.slice(0, nl));
        buffer = buffer.slice(nl + 1);
      }
    });
    this.proc.stderr.setEncoding('utf8');
    this.proc.stderr.on('data', (chunk) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, signal) => resolve({ code, signal })));
  }

  get running() {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Resolves when the agent logs that it is connected. */
  async connected(timeoutMs = 15000) {
    await Promise.race([
      this.lines.until((l) => / connected to /.test(l), timeoutMs, `agent ${this.name} to connect`),
      this.exited.then(({ code }) => {
        throw new Error(`agent ${this.name} exited with code ${code}: ${this.stderr}`);
      }),
    ]);
  }

  /** SIGTERM and wait; resolves with the exit { code, signal }. */
  async stop(timeoutMs = 10000) {
    if (this.running) this.proc.kill('SIGTERM');
    return within(this.exited, timeoutMs, `agent ${this.name} to exit after SIGTERM`);
  }

  /** Last resort in cleanup. */
  kill() {
    if (this.running) this.proc.kill('SIGKILL');
  }
}

function writeIni(file, { id, address, stateDir, extra = '' }) {
  fs.writeFileSync(file, `; written by a test\n[agent]\nid = ${id}\nstate_dir = ${stateDir}\n${extra}\n[broker]\naddress = ${address}\n`);
  return file;
}

/** Writes an INI file from { section: { key: value } } (values written as given). */
function writeConf(file, sections) {
  const text = Object.entries(sections)
    .map(([section, keys]) => `[${section}]\n${Object.entries(keys).map(([k, v]) => `${k} = ${v}`).join('\n')}\n`)
    .join('\n');
  fs.writeFileSync(file, `; written by a test\n${text}`);
  return file;
}

/** A process record as `thingsctl dispatch` prints it. */
const RECORD = /^\{ agent: '([^']+)', id: '([A-Za-z0-9]{8})', pid: (\d+), status: '(\w+)' \}$/;

function parseRecord(stdout) {
  const m = RECORD.exec(stdout.trim());
  assert.ok(m, `expected a process record, got ${JSON.stringify(stdout)}`);
  return { agent: m[1], id: m[2], pid: Number(m[3]), status: m[4] };
}

/** thingsctl that must succeed: its whole result (stdout, stderr, code). */
async function ctlResult(args, opts) {
  const r = await thingsctl(args, opts);
  assert.equal(r.code, 0, `thingsctl ${args.join(' ')} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r;
}

/** thingsctl that must succeed: its stdout. */
async function ctlOk(args, opts) {
  return (await ctlResult(args, opts)).stdout;
}

module.exports = { ROOT, requireBuild, thingsctl, ctlOk, ctlResult, parseRecord, RECORD, AgentProcess, writeIni, writeConf };
