import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { ProgramHost, resolveProgram } from '../../agent/host/program';
import { nativeTimers } from '../../agent/runtime';
import { ThingsError, ErrorCodes, toErrorPayload } from '../../agent/shared/errors';

interface RunOptions {
  restore?: string;
  snapshotAfter?: string;
  snapshotAfterTurns?: string;
  snapshotOut?: string;
}

/**
 * `thingsctl run FILE|DIR` / `thingsctl run --restore SNAP`: runs a program instrumented in this
 * process, no broker needed. With --snapshot-after MS (or --snapshot-after-turns N) it
 * captures at the first event-loop turn boundary after that point, writes --snapshot-out
 * and exits 0; a program that ends first just ends and no snapshot is written.
 */
export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run a program instrumented, locally (optionally capture a snapshot, or resume from one)')
    .argument('[file]', 'JavaScript program: a file, or a directory with package.json "main" or index.js (omit with --restore)')
    .argument('[args...]', 'arguments passed to the program')
    .option('--restore <snap>', 'resume the program from a snapshot file')
    .option('--snapshot-after <ms>', 'capture at the first safe point after this many milliseconds')
    .option('--snapshot-after-turns <n>', 'capture after the program has run this many callbacks (event-loop turns)')
    .option('--snapshot-out <snap>', 'where to write the snapshot')
    .action((file: string | undefined, args: string[], opts: RunOptions) => {
      runLocal(file, args, opts);
    });
}

function runLocal(file: string | undefined, args: string[], opts: RunOptions): void {
  const wantsCapture = opts.snapshotAfter !== undefined || opts.snapshotAfterTurns !== undefined;
  if (wantsCapture && !opts.snapshotOut) throw new ThingsError(ErrorCodes.BAD_REQUEST, '--snapshot-after needs --snapshot-out FILE');
  if (!file && !opts.restore) throw new ThingsError(ErrorCodes.BAD_REQUEST, 'give a program file, or --restore SNAPSHOT');
  const host = new ProgramHost();

  const fail = (err: unknown): void => {
    const e = toErrorPayload(err);
    process.stderr.write(`thingsctl: ${e.code}: ${e.message}\nthingsctl: the program goes on running\n`);
    process.exitCode = 1;
    host.runtime.resume();
  };
  // Calls of fs, zlib or crypto under way finish first (they keep the process alive).
  const doCapture = (): void => {
    host.runtime.pause(false);
    if (host.runtime.calls.inflight === 0) captureNow();
    else host.settle().then(captureNow, fail);
  };
  const captureNow = (): void => {
    try {
      const out = host.capture();
      fs.writeFileSync(opts.snapshotOut!, out.snapshot);
      process.stderr.write(`thingsctl: snapshot written to ${opts.snapshotOut} (${out.bytes} bytes, ${out.objects} objects, ${out.timers} timers, ${out.captureMs.toFixed(1)} ms)\n`);
      process.exit(0);
    } catch (err) {
      fail(err);
    }
  };

  const armCapture = (warm = true): void => {
    // The capture's one-time work now, before the program runs (out of the capture's time).
    if (warm) host.warmUp();
    if (opts.snapshotAfterTurns !== undefined) {
      const n = Number(opts.snapshotAfterTurns);
      if (!Number.isInteger(n) || n < 0) throw new ThingsError(ErrorCodes.BAD_REQUEST, '--snapshot-after-turns takes a whole number');
      let turns = 0;
      const check = (): void => {
        if (turns === n) {
          // Stop the program's timers now; capture once this turn's microtasks are done.
          host.runtime.pause(false);
          nativeTimers.setImmediate(doCapture);
        }
      };
      host.runtime.scheduler.hooks.afterTurn = () => {
        turns++;
        check();
      };
      if (n === 0) check();
    } else if (opts.snapshotAfter !== undefined) {
      const ms = Number(opts.snapshotAfter);
      if (!(ms >= 0)) throw new ThingsError(ErrorCodes.BAD_REQUEST, '--snapshot-after takes milliseconds');
      nativeTimers.setTimeout(doCapture, ms).unref();
    }
  };

  if (opts.restore) {
    const text = fs.readFileSync(opts.restore, 'utf8');
    host.install(process.cwd(), path.basename(opts.restore));
    // Before the program's state is back: the warm-up completes the built-in table, which
    // must not see what the program hung on built-in objects.
    if (wantsCapture) host.warmUp();
    host.restore(text);
    if (wantsCapture) armCapture(false);
    host.runtime.resume();
  } else {
    // A file, or a directory (package.json "main", else index.js); CommonJS or ES module.
    const target = path.resolve(file!);
    const { root, main } = resolveProgram(target);
    host.install(root, path.basename(target));
    process.argv = [process.argv[0], target, ...args];
    if (wantsCapture) armCapture();
    host.start(main);
  }
}
