// Spawns a process and collects its output as Buffers (byte-exact comparisons need them).
'use strict';

const { spawn } = require('node:child_process');

/**
 * @param {string} command
 * @param {string[]} args
 * @param {{ cwd?: string, env?: NodeJS.ProcessEnv, timeoutMs?: number }} [options]
 * @returns {Promise<{ code: number | null, signal: string | null, stdout: Buffer, stderr: Buffer, timedOut: boolean, ms: number }>}
 */
function runProcess(command, args, options = {}) {
  const { cwd, env = childEnv(), timeoutMs = 60000 } = options;
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (chunk) => out.push(chunk));
    child.stderr.on('data', (chunk) => err.push(chunk));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out),
        stderr: Buffer.concat(err),
        timedOut,
        ms: Number(process.hrtime.bigint() - started) / 1e6,
      });
    });
  });
}

// The environment for programs under test: the test runner's own markers removed so that a
// child behaves as it would when started by hand.
function childEnv(extra = {}) {
  const env = { ...process.env, ...extra };
  delete env.NODE_TEST_CONTEXT;
  delete env.NODE_OPTIONS;
  return env;
}

module.exports = { runProcess, childEnv };
