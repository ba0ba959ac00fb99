/**
 * CPU and memory of processes, read from Linux's /proc (no native addon): the agent samples
 * its programs' child processes this way, because a program stuck in a synchronous loop
 * cannot answer a question over IPC, and that is exactly when its numbers matter.
 *
 *  - CPU: utime + stime of /proc/PID/stat, in clock ticks of 1/100 s (USER_HZ, fixed at 100
 *    in the Linux ABI on every architecture we target), over the wall time between samples;
 *  - memory: VmRSS of /proc/PID/status (in kB, so the page size does not matter).
 *
 * Elsewhere (no /proc) sampling returns undefined and the numbers are simply absent.
 */
import fs from 'node:fs';
import type { ProcessStats } from '../protocol/messages';

const USER_HZ = 100;

interface Reading {
  cpuMs: number;
  at: number;
}

/** Raw counters of one process, or undefined when it is gone (or there is no /proc). */
export function readProc(pid: number): { cpuMs: number; rss: number } | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name (field 2) is in parentheses and may contain spaces: fields are
    // counted after its closing parenthesis, which starts with field 3 (state).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    const status = fs.readFileSync(`/proc/${pid}/status`, 'latin1');
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    if (!Number.isFinite(ticks) || !kb) return undefined;
    return { cpuMs: (ticks * 1000) / USER_HZ, rss: Number(kb[1]) * 1024 };
  } catch {
    return undefined;
  }
}

/** The start time of a process (field 22 of /proc/PID/stat, ticks since boot): with the
 *  pid it names one process, whatever pids the system reuses later. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** CPU percentages need two readings: keeps the previous one per pid. */
export class Sampler {
  private readonly previous = new Map<number, Reading>();

  /** The process's use since its previous sample (since it started, the first time). */
  sample(pid: number, now = Date.now()): ProcessStats | undefined {
    const r = readProc(pid);
    if (!r) {
      this.previous.delete(pid);
      return undefined;
    }
    const before = this.previous.get(pid);
    this.previous.set(pid, { cpuMs: r.cpuMs, at: now });
    if (!before || now <= before.at) return { cpu: 0, rss: r.rss };
    return { cpu: round1((100 * (r.cpuMs - before.cpuMs)) / (now - before.at)), rss: r.rss };
  }

  forget(pid: number): void {
    this.previous.delete(pid);
  }
}

/** This process (the agent) through Node's own counters. */
export class SelfSampler {
  private before = { usage: process.cpuUsage(), at: Date.now() };

  sample(now = Date.now()): ProcessStats {
    const usage = process.cpuUsage();
    const us = usage.user - this.before.usage.user + (usage.system - this.before.usage.system);
    const ms = now - this.before.at;
    this.before = { usage, at: now };
    return { cpu: ms > 0 ? round1(us / 10 / ms) : 0, rss: process.memoryUsage.rss() };
  }
}

const round1 = (n: number): number => Math.max(0, Math.round(n * 10) / 10);
