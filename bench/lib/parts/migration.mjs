// Migration downtime end to end: a real Mosquitto on loopback, two agents (dist/
// thingsjs-agent.js), the state program of bench/state holding about 10 KB, 1 MB and 10 MB,
// migrated with `thingsctl dispatch URL migrate ID TARGET`, back and forth.
//
// The program ticks on setImmediate and keeps the monotonic time of its last tick in its
// state; in its new process, its first tick prints that time and its own (line R). Downtime
// = first tick on the target - last tick on the source: capture, the snapshot's trip through
// the broker, the target's child process start-up and the restore. Both agents run on this
// machine, so both times are of the same clock. Beside it: the wall time of the migrate
// command (thingsctl's own start-up and MQTT round trips included), and the parts of the
// downtime the migrate command reports (agents' figures): capture (the program paused in its
// host → the snapshot at the source agent), transfer (the package's trip to the target
// agent, its chunks acknowledged), restore (the target's prepare: restore in its warm host
// and its durable writes, at the same time). What is left of the downtime is the decision
// (a durable write at the source) and the commit's trip and resume.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { median, round } from '../stats.mjs';
import { SIZES, stateProgram, READY, RESUMED } from '../state-files.mjs';
import { startMosquitto, startAgent, ctl, recordId, CONNECTED } from '../agents.mjs';

const T = 120000;

export async function migrationPart(ctx) {
  const hops = ctx.full ? 5 : 1;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thingsjs-bench-mig-'));
  const agents = {};
  let broker;
  try {
    broker = await startMosquitto(dir);
    for (const id of ['bench-A', 'bench-B']) {
      agents[id] = startAgent(ctx, dir, id, broker.port);
      await agents[id].until(CONNECTED, 30000, `${id} to connect`);
    }
    // Give both retained "online" statuses time to reach each other.
    await new Promise((r) => setTimeout(r, 500));
    const sizes = [];
    for (const size of SIZES) {
      const file = stateProgram(ctx.root, dir, { bytes: size.bytes, printTicks: false, stopAfterMs: 120000 });
      const row = { size: size.label, downtimeMs: [], commandMs: [], captureMs: [], transferMs: [], restoreMs: [], snapshotBytes: [], errors: [] };
      let id = null;
      try {
        id = recordId((await ctl(ctx, ['dispatch', broker.url, 'run', 'bench-A', file])).stdout);
        const tag = `[${id}] `;
        const ready = await agents['bench-A'].until(new RegExp(`^\\[${id}\\] READY `), T, `the ${size.label} program to build its state`);
        row.liveBytes = Number(READY.exec(ready.text.slice(tag.length))[1]);
        let from = 'bench-A';
        let to = 'bench-B';
        for (let hop = 0; hop < hops; hop++) {
          await new Promise((r) => setTimeout(r, 300)); // let it tick a while
          const mark = agents[to].lines.items.length;
          const sourceMark = agents[from].lines.items.length;
          const cmd = await ctl(ctx, ['dispatch', broker.url, 'migrate', id, to]);
          const r = await agents[to].until(new RegExp(`^\\[${id}\\] R `), T, `the program to resume on ${to}`, mark);
          const m = RESUMED.exec(r.text.slice(tag.length));
          const sent = await agents[from].until(new RegExp(`process ${id}: migrating to ${to} \\((\\d+) bytes`), T, `the source's "migrating" log line`, sourceMark);
          row.snapshotBytes.push(Number(sent.match[1]));
          for (const [key, name] of [['captureMs', 'capture'], ['transferMs', 'transfer'], ['restoreMs', 'restore']]) {
            const t = new RegExp(`^\\s+${name}\\s+(\\d+(?:\\.\\d+)?) ms`, 'm').exec(cmd.stderr);
            if (t) row[key].push(Number(t[1]));
          }
          const v = await agents[to].until(new RegExp(`^\\[${id}\\] V `), T, `the state check on ${to}`, r.index);
          if (!v.text.endsWith(' ok')) row.errors.push(`hop ${hop + 1}: the state differs after the move`);
          row.downtimeMs.push(Number(m[1]) - Number(m[2]));
          row.commandMs.push(cmd.ms);
          [from, to] = [to, from];
        }
      } catch (err) {
        row.errors.push(err.message);
      } finally {
        if (id) await ctl(ctx, ['dispatch', broker.url, 'kill', id]).catch(() => undefined);
      }
      const summary = {
        size: size.label,
        liveBytes: row.liveBytes ?? null,
        migrations: row.downtimeMs.length,
        downtimeMs: round(median(row.downtimeMs), 1),
        downtimeMinMs: row.downtimeMs.length ? round(Math.min(...row.downtimeMs), 1) : null,
        downtimeMaxMs: row.downtimeMs.length ? round(Math.max(...row.downtimeMs), 1) : null,
        allDowntimesMs: row.downtimeMs.map((x) => round(x, 1)),
        captureMs: round(median(row.captureMs), 1),
        transferMs: round(median(row.transferMs), 1),
        restoreMs: round(median(row.restoreMs), 1),
        snapshotBytes: row.snapshotBytes[0] ?? null,
        commandMs: round(median(row.commandMs), 0),
        errors: row.errors,
      };
      sizes.push(summary);
      ctx.log(`  ${size.label}: downtime ${summary.downtimeMs} ms (${summary.allDowntimesMs.join(', ')}), migrate command ${summary.commandMs} ms${row.errors.length ? ' ERRORS: ' + row.errors.join('; ') : ''}`);
    }
    return { hops, sizes };
  } finally {
    for (const a of Object.values(agents)) await a.stop();
    if (broker) await broker.stop().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
