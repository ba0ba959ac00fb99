// The agent: cold start and idle cost, against a real Mosquitto on loopback.
//
// Cold start: from spawning `node dist/thingsjs-agent.js --config INI` (fresh state
// directory) to its log line "agent ID initialised" (components started, MQTT connecting in
// the background) and to "agent ID connected to URL" (the broker accepted it); the agent is
// then stopped with SIGTERM.
// Idle: one agent, connected, running no program, left 35 s to settle, then sampled over the
// window: CPU from /proc/PID/stat (utime + stime, in clock ticks) over the window's wall time;
// RSS from /proc/PID/status VmRSS every 250 ms (median and max), VmHWM at the end.
// For scale: a bare Node process started the same way, spawn to its first line on stdout.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { median, round } from '../stats.mjs';
import { now, LineProcess } from '../proc.mjs';
import { startMosquitto, startAgent, INITIALISED, CONNECTED } from '../agents.mjs';

function clockTicks() {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

function cpuTicks(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may hold spaces: fields count from after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
}

function statusKB(pid, key) {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** From "connected" to the idle window. */
const SETTLE_MS = 35000;

export async function agentPart(ctx) {
  const starts = ctx.full ? 5 : 2;
  const windowMs = ctx.full ? 10000 : 5000;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thingsjs-bench-agent-'));
  let broker;
  try {
    broker = await startMosquitto(dir);
    const cold = [];
    for (let i = 0; i < starts; i++) {
      const a = startAgent(ctx, dir, `bench-cold-${i}`, broker.port);
      try {
        const init = await a.until(INITIALISED, 30000, 'the agent to initialise');
        const conn = await a.until(CONNECTED, 30000, 'the agent to connect');
        cold.push({ initialisedMs: init.at - a.startMs, connectedMs: conn.at - a.startMs });
      } finally {
        await a.stop();
      }
    }
    const bare = [];
    for (let i = 0; i < starts; i++) {
      const p = new LineProcess(ctx.node, ['-e', 'console.log("up")']);
      const l = await p.until(/^up$/, 30000, 'a bare node process to print');
      bare.push(l.at - p.startMs);
      await p.exited;
    }
    const a = startAgent(ctx, dir, 'bench-idle', broker.port);
    let idle;
    try {
      await a.until(CONNECTED, 30000, 'the idle agent to connect');
      // Idle means settled: for some seconds after start V8's memory reducer runs GCs (0.7 %
      // CPU measured 3-13 s after a start), and the launcher writes its code cache at 30 s.
      await sleep(SETTLE_MS);
      const hz = clockTicks();
      const rss = [];
      const c0 = cpuTicks(a.pid);
      const t0 = now();
      while (now() - t0 < windowMs) {
        rss.push(statusKB(a.pid, 'VmRSS'));
        await sleep(250);
      }
      const c1 = cpuTicks(a.pid);
      const t1 = now();
      idle = {
        windowMs: round(t1 - t0, 0),
        cpuPercent: round(((c1 - c0) / hz / ((t1 - t0) / 1000)) * 100, 3),
        cpuTicks: c1 - c0,
        clockTicksPerSecond: hz,
        rssMB: round(median(rss) / 1024, 1),
        rssMaxMB: round(Math.max(...rss) / 1024, 1),
        hwmMB: round(statusKB(a.pid, 'VmHWM') / 1024, 1),
      };
    } finally {
      await a.stop();
    }
    const result = {
      starts: cold.length,
      initialisedMs: round(median(cold.map((c) => c.initialisedMs)), 0),
      connectedMs: round(median(cold.map((c) => c.connectedMs)), 0),
      bareNodeMs: round(median(bare), 0),
      coldStarts: cold.map((c) => ({ initialisedMs: round(c.initialisedMs, 0), connectedMs: round(c.connectedMs, 0) })),
      idle,
    };
    ctx.log(`  ready: initialised ${result.initialisedMs} ms, connected ${result.connectedMs} ms; idle: ${idle.rssMB} MB RSS, ${idle.cpuPercent} % CPU over ${idle.windowMs} ms`);
    return result;
  } finally {
    if (broker) await broker.stop().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
