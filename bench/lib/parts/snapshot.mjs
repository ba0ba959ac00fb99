// Snapshot size, capture time and restore time, locally with `thingsctl run`, for programs
// holding about 10 KB, 1 MB and 10 MB of live state (bench/state/state-program.js).
//
// Live state: the JSON length of the program's state (Maps written as entry lists); also,
// natively under --expose-gc, the growth of V8's heapUsed from building it.
// Capture: `thingsctl run P --snapshot-after 300 --snapshot-out S` (the program prints the
// time of every tick). Inside: the capture time thingsctl prints on stderr (host.capture():
// heap walk, encoding, envelope). Outside: from the program's last tick (or the end of its
// build, if it never ticked) to the process's exit (capture, file write, exit).
// Restore: `thingsctl run --restore S`. Outside: from spawning it to the program's first tick
// (process start-up, reading and decoding the snapshot, rebuilding the heap); beside it the
// same start-up to the first tick of an empty-state program, the part that is not restore.
// Inside: performance.now() in the restored program at its first tick (ms since its process
// started).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LineProcess, runToEnd } from '../proc.mjs';
import { median, round } from '../stats.mjs';
import { SIZES, stateProgram, READY, RESUMED } from '../state-files.mjs';

const CAPTURED = /snapshot written to .* \((\d+) bytes, (\d+) objects, (\d+) timers, ([\d.]+) ms\)/;
const TICK = /^T ([\d.]+)$/;

async function nativeHeap(ctx, file) {
  const p = new LineProcess(ctx.node, ['--expose-gc', file]);
  try {
    const heap = await p.until(/^HEAP (-?\d+)$/, 120000, 'the native state build');
    return Number(heap.match[1]);
  } finally {
    p.kill();
  }
}

async function startupToFirstTick(ctx, file) {
  const p = new LineProcess(ctx.node, [ctx.thingsctl, 'run', file]);
  try {
    const t = await p.until(TICK, 60000, 'the first tick of the empty-state program');
    return Number(t.match[1]) - p.startMs;
  } finally {
    p.kill();
  }
}

async function captureOnce(ctx, file, snap) {
  const r = await runToEnd(ctx.node, [ctx.thingsctl, 'run', file, '--snapshot-after', '300', '--snapshot-out', snap], { timeoutMs: 300000 });
  const m = CAPTURED.exec(r.stderr);
  if (r.code !== 0 || !m) throw new Error(`capture failed (exit ${r.code ?? r.signal}): ${r.stderr.trim().slice(-400)}`);
  const lines = r.stdout.trim().split('\n');
  const ready = lines.map((l) => READY.exec(l)).find(Boolean);
  const ticks = lines.map((l) => TICK.exec(l)).filter(Boolean);
  const lastStep = ticks.length ? Number(ticks[ticks.length - 1][1]) : Number(ready[4]);
  return {
    liveBytes: Number(ready[1]),
    snapshotBytes: Number(m[1]),
    objects: Number(m[2]),
    insideMs: Number(m[4]),
    outsideMs: r.endMs - lastStep,
    ticksBefore: ticks.length,
    fileBytes: fs.statSync(snap).size,
  };
}

async function restoreOnce(ctx, snap) {
  const p = new LineProcess(ctx.node, [ctx.thingsctl, 'run', '--restore', snap]);
  try {
    const r = await p.until(RESUMED, 300000, 'the restored program to tick');
    const v = await p.until(/^V (ok|bad)$/, 120000, 'the restored state check', r.index);
    return { outsideMs: Number(r.match[1]) - p.startMs, insideMs: Number(r.match[3]), gapMs: Number(r.match[1]) - Number(r.match[2]), stateOk: v.match[1] === 'ok' };
  } finally {
    p.kill();
  }
}

export async function snapshotPart(ctx) {
  const repeats = ctx.full ? 3 : 1;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thingsjs-bench-snap-'));
  try {
    const emptyFile = stateProgram(ctx.root, dir, { bytes: 0, printTicks: true, stopAfterMs: 60000 });
    const startup = [];
    for (let i = 0; i < repeats; i++) startup.push(await startupToFirstTick(ctx, emptyFile));
    const startupMs = round(median(startup), 1);
    ctx.log(`  start-up to first tick (empty state): ${startupMs} ms`);
    const sizes = [];
    for (const size of SIZES) {
      const file = stateProgram(ctx.root, dir, { bytes: size.bytes, printTicks: true, stopAfterMs: 60000 });
      const snap = path.join(dir, `state-${size.bytes}.snap`);
      const row = { size: size.label, captures: [], restores: [], errors: [] };
      try {
        row.heapBytes = await nativeHeap(ctx, file);
      } catch (err) {
        row.errors.push('heap: ' + err.message);
      }
      for (let i = 0; i < repeats; i++) {
        try {
          row.captures.push(await captureOnce(ctx, file, snap));
          row.restores.push(await restoreOnce(ctx, snap));
        } catch (err) {
          row.errors.push(err.message);
        }
      }
      const c = row.captures;
      const r = row.restores;
      const summary = {
        size: size.label,
        liveBytes: c[0]?.liveBytes ?? null,
        heapBytes: row.heapBytes ?? null,
        snapshotBytes: c[0]?.snapshotBytes ?? null,
        sizeRatio: c[0] ? round(c[0].snapshotBytes / c[0].liveBytes, 2) : null,
        objects: c[0]?.objects ?? null,
        captureInsideMs: round(median(c.map((x) => x.insideMs)), 1),
        captureOutsideMs: round(median(c.map((x) => x.outsideMs)), 1),
        restoreOutsideMs: round(median(r.map((x) => x.outsideMs)), 1),
        restoreNetMs: round(median(r.map((x) => x.outsideMs)) - startupMs, 1),
        restoreInsideMs: round(median(r.map((x) => x.insideMs)), 1),
        gapMs: round(median(r.map((x) => x.gapMs)), 1),
        stateOk: r.length > 0 && r.every((x) => x.stateOk),
        runs: r.length,
        errors: row.errors,
      };
      sizes.push(summary);
      ctx.log(`  ${size.label}: live ${summary.liveBytes} B, snapshot ${summary.snapshotBytes} B, capture ${summary.captureInsideMs}/${summary.captureOutsideMs} ms, restore ${summary.restoreOutsideMs} ms${row.errors.length ? ' ERRORS: ' + row.errors.join('; ') : ''}`);
    }
    return { repeats, startupMs, sizes };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
