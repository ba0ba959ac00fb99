/**
 * The process table: one child process per program, its record, and the operations on it.
 *
 * Operations on one process run one at a time (a per-process lock), so a pause cannot
 * overtake a capture. A migration holds the process in status Migrating between
 * `beginMigration` and `commitMigration` / `abortMigration`; every other operation is refused
 * meanwhile with E_BAD_STATE.
 *
 * A directory program's files live in <programsDir>/<id>/ while its process lives here: written
 * before the child starts, removed when it ends (exit, kill, migrated away).
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { ThingsError } from '../shared/errors';
import { LIVE_STATUSES, type FileTree, type ProcessRecord, type ProcessStatus } from '../protocol/messages';
import { newProcessId } from '../protocol/ids';
import { packDirectory, writeFileTree } from '../protocol/file-tree';
import { ChildHost, type ChildExit } from './child-host';
import type { Logger } from './logger';

export interface SupervisorEvents {
  /** The table changed (a process started, changed status or ended). */
  change: [];
  output: [processId: string, stream: 'stdout' | 'stderr', line: string];
}

export interface SupervisorOptions {
  agentId: string;
  /** dist/child.js */
  childScript: string;
  /** Working directory of single-file programs. */
  workDir: string;
  /** Parent of the directories of directory programs (one per process id). */
  programsDir: string;
  log: Logger;
  /** Finished records kept for `list` (Exited, Failed, Killed, Migrated). */
  historyLimit?: number;
  readyTimeoutMs?: number;
  requestTimeoutMs?: number;
  captureTimeoutMs?: number;
}

interface Entry {
  record: ProcessRecord;
  host: ChildHost;
  /** Tail of the per-process operation queue. */
  lock: Promise<unknown>;
  /** A directory program: where its files are, and its main module (a tree path). */
  tree?: { dir: string; main: string };
}

type FirstRequest =
  | { type: 'start'; program: { name: string; filename: string; source?: string }; root?: string; args?: string[] }
  | { type: 'restore'; snapshot: string; paused: boolean; root?: string };

const isLive = (s: ProcessStatus): boolean => LIVE_STATUSES.includes(s);

export class Supervisor extends EventEmitter<SupervisorEvents> {
  private readonly entries = new Map<string, Entry>();
  /** Ids whose launch is under way (not in `entries` yet): a second launch must not share
   *  the id, nor its program directory. */
  private readonly launching = new Set<string>();
  private readonly opts: Required<SupervisorOptions>;

  constructor(options: SupervisorOptions) {
    super();
    this.opts = { historyLimit: 50, readyTimeoutMs: 15_000, requestTimeoutMs: 10_000, captureTimeoutMs: 30_000, ...options };
  }

  list(): ProcessRecord[] {
    return [...this.entries.values()].map((e) => ({ ...e.record }));
  }

  get(id: string): ProcessRecord {
    return { ...this.entry(id).record };
  }

  /** Starts a program from its source (one file) or its files (a directory). */
  async run(program: { name: string; source?: string; files?: FileTree; args?: string[] }): Promise<ProcessRecord> {
    const id = this.freshId();
    if (program.files) {
      const dir = this.programDir(id);
      const main = path.join(dir, ...program.files.main.split('/'));
      return this.launch(id, program.name, { type: 'start', program: { name: program.name, filename: main }, root: dir, args: program.args }, { files: program.files, dir });
    }
    return this.launch(id, program.name, { type: 'start', program: { name: program.name, filename: path.join(this.opts.workDir, program.name), source: program.source ?? '' }, args: program.args });
  }

  /** Starts a program from a snapshot, under `id` when given (a migrated program keeps its
   *  id). `files`: a directory program's files, written here first. */
  async restore(snapshot: string, opts: { id?: string; name?: string; paused?: boolean; files?: FileTree }): Promise<ProcessRecord> {
    let id = opts.id;
    if (id !== undefined) {
      const existing = this.entries.get(id);
      if (existing && isLive(existing.record.status)) throw new ThingsError('E_BAD_STATE', `process ${id} is already ${existing.record.status} here`);
      if (this.launching.has(id)) throw new ThingsError('E_BAD_STATE', `process ${id} is being started here`);
    } else {
      id = this.freshId();
    }
    const first: FirstRequest = { type: 'restore', snapshot, paused: opts.paused === true };
    if (!opts.files) return this.launch(id, opts.name ?? 'snapshot', first);
    const dir = this.programDir(id);
    return this.launch(id, opts.name ?? 'snapshot', { ...first, root: dir }, { files: opts.files, dir });
  }

  pause(id: string): Promise<ProcessRecord> {
    return this.locked(id, async (e) => {
      this.expect(e, ['Running', 'Paused'], 'pause');
      if (e.record.status === 'Paused') return { ...e.record };
      await e.host.request({ type: 'pause' });
      this.opts.log.info(`process ${id} paused`);
      return this.setStatus(e, 'Paused');
    });
  }

  resume(id: string): Promise<ProcessRecord> {
    return this.locked(id, async (e) => {
      this.expect(e, ['Running', 'Paused'], 'resume');
      if (e.record.status === 'Running') return { ...e.record };
      await e.host.request({ type: 'resume' });
      this.opts.log.info(`process ${id} resumed`);
      return this.setStatus(e, 'Running');
    });
  }

  kill(id: string): Promise<ProcessRecord> {
    return this.locked(id, async (e) => {
      this.expect(e, ['Running', 'Paused'], 'kill');
      // Set first: the exit handler must see that the end was asked for.
      this.setStatus(e, 'Killed');
      await e.host.kill();
      this.opts.log.info(`process ${id} killed`);
      return { ...e.record };
    });
  }

  /** The program's snapshot; it goes on running (or stays paused) afterwards. */
  snapshot(id: string): Promise<string> {
    return this.locked(id, async (e) => {
      this.expect(e, ['Running', 'Paused'], 'snapshot');
      const snapshot = await this.capture(e);
      if (e.record.status === 'Running') await e.host.request({ type: 'resume' });
      return snapshot;
    });
  }

  /** Captures and leaves the original paused in status Migrating until commit or abort.
   *  A directory program's files come along, read while the program is paused (so they are
   *  as the snapshot saw them, files it wrote itself included). */
  beginMigration(id: string): Promise<{ snapshot: string; wasPaused: boolean; record: ProcessRecord; files?: FileTree }> {
    return this.locked(id, async (e) => {
      this.expect(e, ['Running', 'Paused'], 'migrate');
      const wasPaused = e.record.status === 'Paused';
      this.setStatus(e, 'Migrating');
      try {
        const snapshot = await this.capture(e);
        const files = e.tree ? packDirectory(e.tree.dir, e.tree.main) : undefined;
        return { snapshot, wasPaused, record: { ...e.record }, files };
      } catch (err) {
        await this.backToPrevious(e, wasPaused);
        throw err;
      }
    });
  }

  /** The target runs the program now: drop the paused original. */
  commitMigration(id: string, target: string): Promise<ProcessRecord> {
    return this.locked(id, async (e) => {
      e.record.migratedTo = target;
      this.setStatus(e, 'Migrated');
      await e.host.kill();
      return { ...e.record };
    });
  }

  /** The handoff failed: the original goes on as before. */
  abortMigration(id: string, wasPaused: boolean): Promise<ProcessRecord> {
    return this.locked(id, async (e) => {
      if (e.record.status === 'Migrating') await this.backToPrevious(e, wasPaused);
      return { ...e.record };
    });
  }

  /** Kills every child (agent shutdown). */
  async stopAll(): Promise<void> {
    const live = [...this.entries.values()].filter((e) => !e.host.hasExited);
    for (const e of live) if (isLive(e.record.status)) e.record.status = 'Killed';
    await Promise.all(live.map((e) => e.host.kill()));
  }

  // --- internals ---

  private freshId(): string {
    let id = newProcessId();
    while (this.entries.has(id) || this.launching.has(id)) id = newProcessId();
    return id;
  }

  private programDir(id: string): string {
    return path.join(this.opts.programsDir, id);
  }

  private async launch(id: string, name: string, first: FirstRequest, tree?: { files: FileTree; dir: string }): Promise<ProcessRecord> {
    this.launching.add(id);
    try {
      if (!tree) return await this.launchChild(id, name, first, undefined);
      try {
        await writeFileTree(tree.files, tree.dir);
        // A directory program runs in its directory, as `cd DIR && node .` would.
        return await this.launchChild(id, name, first, { dir: tree.dir, main: tree.files.main });
      } catch (err) {
        removeDir(tree.dir);
        throw err;
      }
    } finally {
      this.launching.delete(id);
    }
  }

  private async launchChild(id: string, name: string, first: FirstRequest, tree: Entry['tree']): Promise<ProcessRecord> {
    const host = new ChildHost({ script: this.opts.childScript, cwd: tree?.dir ?? this.opts.workDir, readyTimeoutMs: this.opts.readyTimeoutMs, requestTimeoutMs: this.opts.requestTimeoutMs });
    host.on('output', (stream, line) => this.emit('output', id, stream, line));
    await host.start();
    const entry: Entry = { record: { agent: this.opts.agentId, id, pid: host.pid, status: 'Running', name }, host, lock: Promise.resolve(), tree };
    // Registered before the first request so that an exit racing the reply is recorded.
    const previous = this.entries.get(id);
    this.entries.delete(id);
    this.entries.set(id, entry);
    host.on('exit', (exit) => this.handleExit(entry, exit));
    try {
      const result = await host.request(first, first.type === 'restore' ? this.opts.captureTimeoutMs : this.opts.requestTimeoutMs);
      if ('status' in result) entry.record.status = result.status;
    } catch (err) {
      // Leave the table as it was: the request failed as a whole.
      this.entries.delete(id);
      if (previous) this.entries.set(id, previous);
      await host.kill();
      throw err;
    }
    // A program with no work may have finished before its reply arrived.
    if (host.hasExited && isLive(entry.record.status)) this.handleExit(entry, { code: 0, signal: null });
    this.opts.log.info(`process ${id} (${name}) ${first.type === 'start' ? 'started' : 'restored'}, pid ${host.pid}, ${entry.record.status}`);
    this.emit('change');
    return { ...entry.record };
  }

  private async capture(e: Entry): Promise<string> {
    const result = await e.host.request({ type: 'capture' }, this.opts.captureTimeoutMs);
    if (result.type !== 'capture') throw new ThingsError('E_INTERNAL', `the program host answered capture with ${result.type}`);
    this.opts.log.debug(() => `process ${e.record.id} captured: ${result.stats.bytes} bytes, ${result.stats.objects} objects, ${result.stats.captureMs} ms`);
    // The host writes output synchronously before it replies, but stdout and the IPC channel
    // are separate pipes: let one event-loop turn read what is still in the stdout pipe so
    // that every line printed before the capture is published before the snapshot moves on.
    await new Promise((resolve) => setImmediate(resolve));
    return result.snapshot;
  }

  private async backToPrevious(e: Entry, wasPaused: boolean): Promise<void> {
    if (e.host.hasExited) return;
    // capture leaves the program paused; a program that was running goes on.
    if (!wasPaused) await e.host.request({ type: 'resume' }).catch((err: Error) => this.opts.log.error(`process ${e.record.id}: cannot resume after a failed migration: ${err.message}`));
    this.setStatus(e, wasPaused ? 'Paused' : 'Running');
  }

  private handleExit(e: Entry, exit: ChildExit): void {
    if (this.entries.get(e.record.id) !== e) return;
    // Synchronous: a restore of the same id (a program migrated back) may write the directory
    // again right after this.
    if (e.tree) removeDir(e.tree.dir);
    e.record.exitCode = exit.code;
    if (isLive(e.record.status)) {
      if (exit.code === 0 && !exit.uncaught) {
        e.record.status = 'Exited';
      } else {
        e.record.status = 'Failed';
        e.record.error = exit.uncaught ?? `exited with ${exit.signal ?? `code ${exit.code}`}`;
      }
      this.opts.log.info(`process ${e.record.id} ${e.record.status.toLowerCase()}${e.record.error ? `: ${e.record.error}` : ''}`);
    }
    this.prune();
    this.emit('change');
  }

  private prune(): void {
    const finished = [...this.entries.values()].filter((e) => !isLive(e.record.status));
    for (const e of finished.slice(0, Math.max(0, finished.length - this.opts.historyLimit))) this.entries.delete(e.record.id);
  }

  private setStatus(e: Entry, status: ProcessStatus): ProcessRecord {
    if (e.record.status !== status) {
      e.record.status = status;
      this.emit('change');
    }
    return { ...e.record };
  }

  private expect(e: Entry, allowed: ProcessStatus[], action: string): void {
    if (!allowed.includes(e.record.status)) throw new ThingsError('E_BAD_STATE', `cannot ${action} process ${e.record.id}: it is ${e.record.status}`);
  }

  private entry(id: string): Entry {
    const e = this.entries.get(id);
    if (!e) throw new ThingsError('E_UNKNOWN_PROCESS', `no process ${id} on agent ${this.opts.agentId}`);
    return e;
  }

  /** Runs `fn` after every earlier operation on the same process has settled. */
  private locked<T>(id: string, fn: (e: Entry) => Promise<T>): Promise<T> {
    const e = this.entry(id);
    const run = e.lock.then(() => fn(e));
    e.lock = run.catch(() => undefined);
    return run;
  }
}

function removeDir(dir: string): void {
  try {
    fs.rmSync(dir, { recursive: true, force: true });
  } catch {
    // Nothing to do about it here; the agent clears programs/ when it starts.
  }
}
