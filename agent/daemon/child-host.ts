/**
 * One program host child process, seen from the agent: fork, the IPC contract of
 * agent/host/ipc.ts (request/reply by `req` number), output lines, and exit.
 */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { EventEmitter } from 'node:events';
import { ThingsError } from '../shared/errors';
import type { CaptureStats, ChildMessage, ReplyResult, Request } from '../host/ipc';
import { isSpooledText, readSpooledInto, spoolBytes, spoolText, SPOOL_MIN_CHARS, type SpooledText } from '../host/spool';
import { SEAL_HEAD_BYTES, SEAL_TAIL_BYTES, sealBodyBytes, sealBodyText, snapshotText, type SnapshotData } from '../snapshot/envelope';
import { LineSplitter } from './line-splitter';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type WireRequest = DistributiveOmit<Request, 'req'>;

/** A request without its `req` number (ChildHost assigns it) nor its spool fields (ChildHost
 *  fills them in: a restore's snapshot is given here as text, or as its UTF-8 bytes). */
export type HostRequest =
  | Exclude<WireRequest, { type: 'restore' | 'capture' }>
  | (Omit<Extract<WireRequest, { type: 'restore' }>, 'snapshot' | 'snapshotFile'> & { snapshot: SnapshotData })
  | { type: 'capture' };

/** A host's answer as the agent sees it: a capture is a sealed snapshot (a large one, which
 *  came through a spool file, as its UTF-8 bytes). */
export type HostResult = Exclude<ReplyResult, { type: 'capture' }> | { type: 'capture'; snapshot: SnapshotData; stats: CaptureStats };

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The program's uncaught exception, if that is why it ended. */
  uncaught?: string;
}

export interface ChildHostEvents {
  output: [stream: 'stdout' | 'stderr', line: string];
  /** Emitted once, after all of the child's output has been emitted. */
  exit: [exit: ChildExit];
}

interface PendingReply {
  resolve(result: ReplyResult): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

export interface ChildHostOptions {
  /** Path of dist/child.js. */
  script: string;
  cwd: string;
  readyTimeoutMs: number;
  requestTimeoutMs: number;
  /** Extra Node options of the child (its heap limit). */
  execArgv?: string[];
  /** Where large snapshots cross to and from the host (../host/spool.ts); through the IPC
   *  channel when unset. */
  spoolDir?: string;
}

export class ChildHost extends EventEmitter<ChildHostEvents> {
  private child: ChildProcess | undefined;
  private nextReq = 1;
  private readonly pending = new Map<number, PendingReply>();
  private uncaught: string | undefined;
  private exited: ChildExit | undefined;

  constructor(private readonly options: ChildHostOptions) {
    super();
  }

  get pid(): number {
    return this.child?.pid ?? 0;
  }

  get hasExited(): boolean {
    return this.exited !== undefined;
  }

  /** Forks the child and resolves when it says it is ready. */
  start(): Promise<void> {
    const child = fork(this.options.script, [], {
      cwd: this.options.cwd,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // Structured clone: a snapshot (a string of up to many MB) crosses as it is, instead of
      // escaped inside a JSON message and stringified and parsed again on each side (10 MB
      // migration on a loaded machine: capture 1780 -> 1314 ms, restore 1283 -> 939 ms).
      serialization: 'advanced',
      // A young-generation bound given to the agent is not the program's.
      execArgv: [...process.execArgv.filter((a) => !a.startsWith('--max-semi-space-size')), ...(this.options.execArgv ?? [])],
      // Its own process group: a Ctrl-C in the agent's terminal reaches the agent alone, which
      // checkpoints the programs before it stops them. (Under systemd the unit's cgroup holds
      // them all the same.) A host whose agent dies exits when its IPC channel closes.
      detached: true,
    });
    this.child = child;
    for (const stream of ['stdout', 'stderr'] as const) {
      const splitter = new LineSplitter((line) => this.emit('output', stream, line));
      child[stream]?.on('data', (chunk: Buffer) => splitter.push(chunk));
      child[stream]?.on('end', () => splitter.end());
    }
    child.on('message', (m) => this.handleMessage(m as ChildMessage));
    // Without a listener an 'error' (a failed kill or send) would be thrown and take the agent
    // down; the failure itself surfaces through the request that caused it, or through 'close'.
    child.on('error', () => undefined);
    // 'close' (not 'exit') comes after stdout/stderr have ended, so no output follows it.
    child.on('close', (code, signal) => this.handleClose(code, signal));

    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        this.kill();
        reject(new ThingsError('E_CHILD_FAILED', `the program host did not start within ${this.options.readyTimeoutMs} ms`));
      }, this.options.readyTimeoutMs);
      const onMessage = (m: ChildMessage): void => {
        if (m && m.type === 'event' && m.event === 'ready') {
          cleanup();
          resolve();
        }
      };
      const onClose = (code: number | null, signal: NodeJS.Signals | null): void => {
        cleanup();
        reject(new ThingsError('E_CHILD_FAILED', `the program host exited before it was ready (${signal ?? `code ${code}`})`));
      };
      const onError = (err: Error): void => {
        cleanup();
        reject(new ThingsError('E_CHILD_FAILED', `cannot start the program host: ${err.message}`));
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('close', onClose);
        child.off('error', onError);
      };
      child.on('message', onMessage);
      child.on('close', onClose);
      child.on('error', onError);
    });
  }

  /** Sends one request; resolves with the child's result or rejects with its error. */
  async request(message: HostRequest, timeoutMs = this.options.requestTimeoutMs): Promise<HostResult> {
    const { spoolDir } = this.options;
    if (message.type === 'capture') {
      const r = await this.send(spoolDir !== undefined ? { ...message, spool: spoolDir } : message, timeoutMs);
      if (r.type !== 'capture') return r;
      let snapshot: SnapshotData;
      if (r.bodyFile !== undefined) {
        // Only a file of our spool (which is then removed): never one the host names elsewhere.
        if (spoolDir === undefined || !isSpooledText(r.bodyFile, spoolDir)) throw new ThingsError('E_CHILD_FAILED', 'the program host named a capture file outside the spool');
        // Its bytes, read into their place in the sealed snapshot: not decoded, not copied.
        snapshot = sealBodyBytes(readSpooledInto(r.bodyFile, true, SEAL_HEAD_BYTES, SEAL_TAIL_BYTES));
      } else {
        if (typeof r.body !== 'string') throw new ThingsError('E_CHILD_FAILED', 'the program host answered a capture without its snapshot');
        snapshot = sealBodyText(r.body);
      }
      return { type: 'capture', snapshot, stats: { ...r.stats, bytes: snapshot.length } };
    }
    if (message.type === 'restore' && spoolDir !== undefined && message.snapshot.length >= SPOOL_MIN_CHARS) {
      let file: SpooledText | undefined;
      try {
        const s = message.snapshot;
        file = typeof s === 'string' ? spoolText(spoolDir, 'restore', s) : spoolBytes(spoolDir, 'restore', s);
      } catch {
        // No room in the spool (or it is gone): through the channel.
      }
      if (file !== undefined) {
        const { snapshot: _inline, ...rest } = message;
        void _inline;
        try {
          return (await this.send({ ...rest, snapshotFile: file }, timeoutMs)) as HostResult;
        } finally {
          fs.rm(file.path, { force: true }, () => undefined);
        }
      }
    }
    // Only a capture is answered with a snapshot (above).
    if (message.type === 'restore' && typeof message.snapshot !== 'string') return (await this.send({ ...message, snapshot: snapshotText(message.snapshot) }, timeoutMs)) as HostResult;
    return (await this.send(message as WireRequest, timeoutMs)) as HostResult;
  }

  private send(message: WireRequest, timeoutMs: number): Promise<ReplyResult> {
    const child = this.child;
    if (!child || this.exited || !child.connected) {
      return Promise.reject(new ThingsError('E_BAD_STATE', 'the program has ended'));
    }
    const req = this.nextReq++;
    return new Promise<ReplyResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(req);
        reject(new ThingsError('E_TIMEOUT', `the program host did not answer ${message.type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(req, { resolve, reject, timer });
      child.send({ ...message, req } as Request, (err) => {
        if (!err) return;
        const p = this.pending.get(req);
        if (!p) return;
        this.pending.delete(req);
        clearTimeout(p.timer);
        p.reject(new ThingsError('E_CHILD_FAILED', `cannot reach the program host: ${err.message}`));
      });
    });
  }

  /** The child's exit, once it has happened. */
  get exit(): ChildExit | undefined {
    return this.exited;
  }

  /** SIGKILL (the contract: a host has nothing to flush); resolves when it is gone. */
  kill(): Promise<ChildExit> {
    if (this.exited) return Promise.resolve(this.exited);
    if (!this.child) return Promise.resolve({ code: null, signal: null });
    return new Promise((resolve) => {
      this.once('exit', resolve);
      this.child?.kill('SIGKILL');
    });
  }

  private handleMessage(m: ChildMessage): void {
    if (!m || typeof m !== 'object') return;
    if (m.type === 'reply') {
      const p = this.pending.get(m.req);
      if (!p) return;
      this.pending.delete(m.req);
      clearTimeout(p.timer);
      if (m.ok) p.resolve(m.result);
      else p.reject(new ThingsError(m.error.code, m.error.message));
    } else if (m.type === 'event' && m.event === 'uncaught') {
      this.uncaught = m.message;
    }
  }

  private handleClose(code: number | null, signal: NodeJS.Signals | null): void {
    this.exited = { code, signal, uncaught: this.uncaught };
    const why = this.uncaught ? `: ${this.uncaught}` : '';
    for (const [req, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(req);
      p.reject(new ThingsError('E_CHILD_FAILED', `the program host exited (${signal ?? `code ${code}`})${why}`));
    }
    this.emit('exit', this.exited);
  }
}
