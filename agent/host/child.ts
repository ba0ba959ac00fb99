/**
 * The program host process the agent forks, one per program. Speaks the contract in
 * ./ipc.ts over the IPC channel; stdout/stderr belong to the program alone.
 */
import path from 'node:path';
import { ProgramHost } from './program';
import type { ChildMessage, Reply, ReplyResult, Request } from './ipc';
import { toErrorPayload } from '../shared/errors';
import { readSpooled, spoolText, SPOOL_MIN_CHARS } from './spool';

const host = new ProgramHost();
/** The runtime is installed in this process (done ahead, see the end of this file). */
let installed = false;
/** A program was started or restored. */
let loaded = false;

/** Installs the runtime for a program at `root`, or points the one installed ahead at it. */
function installFor(root: string, name: string): void {
  if (installed) host.retarget(root, name);
  else {
    host.install(root, name);
    installed = true;
  }
}

function send(msg: ChildMessage): void {
  if (process.send && process.connected) process.send(msg);
}

function status(): 'Running' | 'Paused' {
  return host.runtime.isPaused() ? 'Paused' : 'Running';
}

function handle(msg: Request): ReplyResult | Promise<ReplyResult> {
  switch (msg.type) {
    case 'start': {
      if (loaded) throw Object.assign(new Error('this host already runs a program'), { code: 'E_BAD_STATE' });
      const filename = path.resolve(msg.program.filename);
      const root = msg.root !== undefined ? path.resolve(msg.root) : path.dirname(filename);
      installFor(root, msg.program.name);
      loaded = true;
      if (msg.args) process.argv.splice(2, process.argv.length - 2, ...msg.args);
      // As `node DIR` sets it for a directory.
      process.argv[1] = msg.root !== undefined ? root : filename;
      if (msg.paused) host.runtime.pause();
      host.start(filename, msg.program.source);
      return { type: 'start', status: status() };
    }
    case 'restore': {
      if (loaded) throw Object.assign(new Error('this host already runs a program'), { code: 'E_BAD_STATE' });
      // The agent removes the spool file once this is answered.
      const text = msg.snapshotFile !== undefined ? readSpooled(msg.snapshotFile, false) : msg.snapshot;
      if (typeof text !== 'string') throw Object.assign(new Error('a restore without a snapshot'), { code: 'E_BAD_REQUEST' });
      installFor(msg.root ?? process.cwd(), 'restored');
      loaded = true;
      host.restore(text, undefined, msg.root, msg.hashChecked === true);
      if (!msg.paused) host.runtime.resume();
      return { type: 'restore', status: status() };
    }
    case 'pause':
      requireInstalled();
      host.runtime.pause();
      return { type: 'pause', status: status() };
    case 'resume':
      requireInstalled();
      host.runtime.resume();
      return { type: 'resume', status: status() };
    case 'capture': {
      requireInstalled();
      const wasPaused = host.runtime.isPaused();
      host.runtime.pause();
      const capture = (): ReplyResult => {
        try {
          const out = host.captureBody();
          const stats = { bytes: out.bodyText.length, objects: out.objects, timers: out.timers, captureMs: out.captureMs };
          if (msg.spool !== undefined && out.bodyText.length >= SPOOL_MIN_CHARS) {
            try {
              return { type: 'capture', bodyFile: spoolText(msg.spool, 'capture', out.bodyText), stats };
            } catch {
              // No room in the spool (or it is gone): through the channel, as a small one.
            }
          }
          return { type: 'capture', body: out.bodyText, stats };
        } catch (err) {
          if (!wasPaused) host.runtime.resume();
          throw err;
        }
      };
      // Calls of fs, zlib, crypto or dns under way finish first (their callbacks run here).
      if (host.runtime.calls.inflight === 0) return capture();
      return host.settle().then(capture, (err: unknown) => {
        if (!wasPaused) host.runtime.resume();
        throw err;
      });
    }
    default:
      throw Object.assign(new Error(`unknown request type ${JSON.stringify((msg as { type?: unknown }).type)}`), { code: 'E_BAD_REQUEST' });
  }
}

function requireInstalled(): void {
  if (!loaded) throw Object.assign(new Error('no program has been started in this host'), { code: 'E_BAD_STATE' });
}

process.on('message', (raw: unknown) => {
  const msg = raw as Request;
  const req = typeof msg?.req === 'number' ? msg.req : -1;
  let result: ReplyResult | Promise<ReplyResult>;
  try {
    result = handle(msg);
  } catch (err) {
    answer({ type: 'reply', req, ok: false, error: toErrorPayload(err) });
    return;
  }
  if (result instanceof Promise) {
    result.then(
      (r) => answer({ type: 'reply', req, ok: true, result: r }),
      (err: unknown) => answer({ type: 'reply', req, ok: false, error: toErrorPayload(err) }),
    );
  } else answer({ type: 'reply', req, ok: true, result });
});

function answer(reply: Reply): void {
  send(reply);
  // Only now may the channel stop holding the process: before a program is installed nothing
  // else keeps the event loop alive, and the child would exit before `start` arrives. After,
  // a finished program must not be kept alive by it (a paused one is, by the runtime).
  if (loaded) (process as unknown as { channel?: { unref(): void } }).channel?.unref();
}

// The agent is gone (it crashed or was killed): a program must not run on unsupervised, or
// it would run twice once the agent restores it from its checkpoint.
process.on('disconnect', () => process.exit(1));

process.on('uncaughtExceptionMonitor', (err) => {
  send({ type: 'event', event: 'uncaught', message: String((err as Error)?.message ?? err), stack: (err as Error)?.stack });
});

// The runtime is installed before the host says it is ready (the built-in table walk and
// Node's patched APIs, ~15 ms): a host the agent starts ahead of a migration (a warm host)
// then spends none of it in the downtime. It installs nothing of a program: `start` or
// `restore` points it at the program's directory. If it fails, they install it themselves.
try {
  host.install(process.cwd(), '');
  installed = true;
} catch {
  installed = false;
}
// Likewise the one-time work of a first capture and restore (~10-15 ms), which would
// otherwise fall in the first migration's downtime, source side and target side.
if (installed) {
  try {
    host.warmUp();
  } catch {
    // Not needed for anything to work.
  }
}

send({ type: 'event', event: 'ready', pid: process.pid, node: process.version });
