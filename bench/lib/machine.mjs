// What the bench ran on: CPU, cores, memory, OS, Node and the load average, and the commit.
import os from 'node:os';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';

function osName() {
  try {
    const m = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(fs.readFileSync('/etc/os-release', 'utf8'));
    if (m) return `${m[1]} (${os.type()} ${os.release()})`;
  } catch {
    // not Linux, or no os-release
  }
  return `${os.type()} ${os.release()}`;
}

function git(root, args) {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

export function loadAverage() {
  const [one, five, fifteen] = os.loadavg();
  return { one: Number(one.toFixed(2)), five: Number(five.toFixed(2)), fifteen: Number(fifteen.toFixed(2)) };
}

/** `node` is the binary the programs run with (its version is what counts). */
export function machine(root, node) {
  const cpus = os.cpus();
  const nodeVersion = node === process.execPath ? process.version : execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  const status = git(root, ['status', '--porcelain', '--untracked-files=no']);
  return {
    cpu: cpus[0] ? cpus[0].model.trim() : 'unknown',
    cores: cpus.length,
    memGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    os: osName(),
    arch: process.arch,
    node: nodeVersion,
    nodePath: node,
    commit: git(root, ['rev-parse', '--short', 'HEAD']),
    dirty: status === null ? null : status.length > 0,
  };
}
