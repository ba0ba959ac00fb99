// Child processes for the bench: run one to its end, or keep one running and await its
// lines. Times are process.hrtime in ms (CLOCK_MONOTONIC), the clock the measured programs
// also print, so a time taken here and one printed by a child on this machine compare.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// The e2e tests' bounded waits: every wait fails with what it waited for.
export const { Awaitable, within } = require('../../test/e2e/support/wait.js');

export const now = () => Number(process.hrtime.bigint()) / 1e6;

/** Runs a command to its end; resolves with { code, signal, stdout, stderr, startMs, endMs }. */
export function runToEnd(cmd, args, { cwd, env, timeoutMs = 300000 } = {}) {
  return new Promise((resolve) => {
    const startMs = now();
    const child = spawn(cmd, args, { cwd, env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => {
      const endMs = now();
      clearTimeout(timer);
      // 'exit' can come before the pipes are drained: wait for 'close' for the text.
      child.on('close', () => resolve({ code, signal, stdout, stderr, startMs, endMs, timedOut: signal === 'SIGKILL' }));
    });
  });
}

/** A running process whose stdout lines (with the time each arrived) can be awaited. */
export class LineProcess {
  constructor(cmd, args, { cwd, env } = {}) {
    this.lines = new Awaitable();
    this.stderr = '';
    this.startMs = now();
    this.proc = spawn(cmd, args, { cwd, env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let buffer = '';
    this.proc.stdout.setEncoding('utf8').on('data', (chunk) => {
      const at = now();
      buffer += chunk;
      let nl;
      while ((nl = buffer.indexOf('\n')) !== -1) {
        this.lines.push({ at, text: buffer.slice(0, nl) });
        buffer = buffer.slice(nl + 1);
      }
    });
    this.proc.stderr.setEncoding('utf8').on('data', (c) => (this.stderr += c));
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, signal) => resolve({ code, signal, at: now() })));
  }

  get pid() {
    return this.proc.pid;
  }

  get running() {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** The first line (from index `from`) matching `re`, as { at, text, match, index }; fails if the process exits first. */
  async until(re, timeoutMs, what, from = 0) {
    const found = this.lines.until((l) => re.test(l.text), timeoutMs, what, from);
    const died = this.exited.then(({ code, signal }) => {
      throw new Error(`${what}: the process exited (${code ?? signal}) first. ${this.stderr.slice(-500)}`);
    });
    found.catch(() => undefined);
    died.catch(() => undefined);
    const line = await Promise.race([found, died]);
    return { ...line, match: re.exec(line.text), index: this.lines.items.indexOf(line) };
  }

  async stop(timeoutMs = 10000) {
    if (this.running) this.proc.kill('SIGTERM');
    try {
      await within(this.exited, timeoutMs, 'a process to exit after SIGTERM');
    } catch {
      this.kill();
    }
  }

  kill() {
    if (this.running) this.proc.kill('SIGKILL');
  }
}
