/**
 * The process table: one child process per program, its record, and the operations on it.
 *
 * Operations on one process run one at a time (a per-process lock), so a pause cannot
 * overtake a capture. A migration holds the process in status Migrating between
 * `beginMigration` and `commitMigration` / `abortMigration`; every other operation is refused
 * meanwhile with E_BAD_STATE.
 *
 * Supervision: a program that fails (non-zero exit, uncaught exception, signal, memory limit)
 * never takes the agent or another program with it; its record says why (errorCode, error,
 * exitCode, lastOutput). With restart policy on-failure it is restarted after a backoff (1 s,
 * doubling up to 60 s; back to 1 s once it has run for 60 s), from its last checkpoint when it
 * has one — unless that was its third failure in a row within 60 s of starting, then from the
 * start — else from the start. A program that arrived as a snapshot and has no start is always
 * restarted from its checkpoint (it has one from the moment it arrived).
 *
 * Resources: every second each child's CPU and RSS are sampled from /proc (./stats.ts); a
 * program over its memory limit is killed (E_MEMORY_LIMIT). Its V8 heap is also capped
 * (--max-old-space-size) so that JavaScript allocations fail fast, well before the RSS
 * sampler would notice.
 *
 * Persistence (./checkpoints.ts): a program started by `run` gets a start spec at once; a
 * checkpoint of its state is written at every `checkpoint()` (periodic, from the agent) and
 * at shutdown. A program that ends, is killed or moves away loses both. A program that
 * arrives as a snapshot is checkpointed on arrival (the source forgets it once we answer).
 *
 * A directory program's files live in <programsDir>/<id>/ while its process lives here (and
 * while it has a checkpoint): written before the child starts, removed when it ends.
 *
 * Migration (the handoff is in ./migration-source.ts and ./migration-target.ts): on the
 * source, `beginMigration` captures the program and leaves it paused (Migrating), and
 * `persistCapture` makes the capture its checkpoint, so that a restart of this agent brings
 * it back from exactly there; `commitMigration` ends it, `abortMigration` lets it go on. On
 * the target, `warmHost` starts a host ahead, `prepare` restores a copy paused (Prepared,
 * checkpointed so that a restart of this agent brings the copy back Prepared);
 * `commitPrepared` lets it go on, `discardPrepared` removes every trace of it.
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { ErrorCodes, ThingsError, toErrorPayload } from '../shared/errors';
import { checkSnapshot, snapshotText, type SnapshotData } from '../snapshot/envelope';
import { LIVE_STATUSES, type FileTree, type MigratingProgram, type MigrationPackage, type ProcessRecord, type ProcessStatus, type RestartPolicy } from '../protocol/messages';
import { newProcessId } from '../protocol/ids';
import { packDirectory, writeFileTree } from '../protocol/file-tree';
import { ChildHost, type ChildExit } from './child-host';
import { CheckpointStore, type Saved } from './checkpoints';
import type { ProgramLogs } from './program-logs';
import { processStartTime, Sampler } from './stats';
import type { Logger } from './logger';

export interface SupervisorEvents {
  /** The table changed (a process started, changed status or ended). */
  change: [];
  /** One line of a program's output; `seq` counts its lines over its life. */
  output: [processId: string, stream: 'stdout' | 'stderr', line: string, seq: number];
}

export interface SupervisorOptions {
  agentId: string;
  /** dist/child.js */
  childScript: string;
  /** Working directory of single-file programs. */
  workDir: string;
  /** Parent of the directories of directory programs (one per process id). */
  programsDir: string;
  /** Pid files of running hosts (StateDir.childrenDir). */
  childrenDir: string;
  checkpoints: CheckpointStore;
  logs: ProgramLogs;
  log: Logger;
  /** Default memory limit of a program (bytes); a run request may set its own. */
  memoryLimitBytes?: number;
  /** Finished records kept for `list` (Exited, Failed, Killed, Migrated). */
  historyLimit?: number;
  readyTimeoutMs?: number;
  requestTimeoutMs?: number;
  captureTimeoutMs?: number;
  /** CPU/RSS sampling period (and memory limit checks). */
  sampleIntervalMs?: number;
  /** Restart backoff: first delay, cap, and how long a program must run to reset it. */
  restartBaseMs?: number;
  restartMaxMs?: number;
  restartStableMs?: number;
  /** How long a host started ahead for a migration (`warmHost`) waits for its program. */
  spareTtlMs?: number;
  /** Where large snapshots cross to and from the hosts (./spool-dir.ts). */
  spoolDir?: string;
}

/** A program host started ahead of a migration's restore (see `warmHost`). */
interface Spare {
  migrationId: string;
  /** cwd and Node flags: a spare serves only a program that would get the same. */
  key: string;
  host: ChildHost;
  ready: Promise<boolean>;
  timer: NodeJS.Timeout;
  onExit: () => void;
}
/** Spares at once: one per migration coming in, a few migrations at a time. */
const MAX_SPARES = 4;

/** Lines of output kept for a failure report, and their length. */
const TAIL_LINES = 20;
const TAIL_LINE_CHARS = 200;
/** Quick failures in a row after which a restart starts over from the beginning instead of
 *  the last checkpoint (which may hold the state that leads to the failure: the checkpoints
 *  taken between a restore and the next failure would never let it go). */
const FAILURES_FROM_CHECKPOINT = 3;
const MIB = 1024 * 1024;

interface Entry {
  record: ProcessRecord;
  /** Undefined while Restarting. */
  host: ChildHost | undefined;
  /** Tail of the per-process operation queue. */
  lock: Promise<unknown>;
  /** A directory program: where its files are, and its main module (a tree path). */
  tree?: { dir: string; main: string };
  /** The last lines of output (for a failure report). */
  tail: string[];
  /** Why the agent itself ended the current process (memory limit, failed restore). */
  killReason?: { code: string; message: string };
  /** When the current process started. */
  startedAt: number;
  /** Failures in a row (the backoff exponent; past FAILURES_FROM_CHECKPOINT a restart
   *  starts over); reset after a stable run. */
  failuresInRow: number;
  restartTimer?: NodeJS.Timeout;
  /** Paused and checkpointed since: nothing new to capture. */
  checkpointClean: boolean;
  /** The last checkpoint error reported (reported once, not every period). */
  checkpointError?: string;
  /** A periodic checkpoint of it under way. */
  checkpointing?: Promise<unknown>;
  /** Its first request (start/restore) is under way: an exit is the launch's failure,
   *  handled by `launch`, not an end of the program. */
  inLaunch: boolean;
  /** Status Prepared: the migration it was prepared for, and whether it stays paused when
   *  that migration commits (the original was paused). */
  prepared?: { migrationId: string; paused: boolean };
}

type FirstRequest =
  | { type: 'start'; program: { name: string; filename: string; source?: string }; root?: string; args?: string[] }
  /** `hashChecked`: the agent checks the snapshot's hash (CheckpointStore.read, restore()
   *  before it keeps it, prepare() while the host restores), so the host takes none. */
  | { type: 'restore'; snapshot: SnapshotData; paused: boolean; root?: string; hashChecked?: boolean };

interface Settings {
  restart: RestartPolicy;
  memoryLimit?: number;
  restarts?: number;
  outputSeq?: number;
  startedFrom: NonNullable<ProcessRecord['startedFrom']>;
}

const isLive = (s: ProcessStatus): boolean => LIVE_STATUSES.includes(s);

export class Supervisor extends EventEmitter<SupervisorEvents> {
  private readonly entries = new Map<string, Entry>();
  /** Ids whose launch is under way (not in `entries` yet): a second launch must not share
   *  the id, nor its program directory. */
  private readonly launching = new Set<string>();
  private readonly opts: Required<Omit<SupervisorOptions, 'memoryLimitBytes' | 'spoolDir'>> & { memoryLimitBytes?: number; spoolDir?: string };
  private readonly sampler = new Sampler();
  private sampleTimer: NodeJS.Timeout | undefined;
  /** The agent is stopping: exits are not failures, and nothing is removed. */
  private stopping = false;
  /** Hosts started ahead for migrations coming in, oldest first. */
  private spares: Spare[] = [];

  constructor(options: SupervisorOptions) {
    super();
    this.opts = {
      historyLimit: 50,
      readyTimeoutMs: 15_000,
      requestTimeoutMs: 10_000,
      captureTimeoutMs: 30_000,
      sampleIntervalMs: 1000,
      restartBaseMs: 1000,
      restartMaxMs: 60_000,
      restartStableMs: 60_000,
      spareTtlMs: 20_000,
      ...options,
    };
  }

  /** Ends program hosts a previous agent left running, and starts sampling. */
  start(): void {
    this.reapLeftovers();
    this.sampleTimer = setInterval(() => this.sampleAll(), this.opts.sampleIntervalMs);
    this.sampleTimer.unref();
  }

  list(): ProcessRecord[] {
    return [...this.entries.values()].map((e) => ({ ...e.record }));
  }

  get(id: string): ProcessRecord {
    return { ...this.entry(id).record };
  }

  /** How many programs live here (a child process, or coming back). */
  get liveCount(): number {
    return [...this.entries.values()].filter((e) => isLive(e.record.status)).length;
  }

  /** Starts a program from its source (one file) or its files (a directory). */
  async run(program: { name: string; source?: string; files?: FileTree; args?: string[]; restart?: RestartPolicy; memoryLimit?: number }): Promise<ProcessRecord> {
    const id = this.freshId();
    const settings: Settings = { restart: program.restart ?? 'never', memoryLimit: program.memoryLimit ?? this.opts.memoryLimitBytes, startedFrom: 'start' };
    const { checkpoints } = this.opts;
    // Written before the program starts: from its first instruction, an agent restart
    // brings it back.
    const spec = { id, name: program.name, restart: settings.restart, memoryLimit: settings.memoryLimit, args: program.args };
    this.refuseIfStopping();
    try {
      if (program.files) {
        const dir = this.programDir(id);
        const main = path.join(dir, ...program.files.main.split('/'));
        checkpoints.writeStart({ ...spec, main: program.files.main });
        return await this.launch(id, program.name, { type: 'start', program: { name: program.name, filename: main }, root: dir, args: program.args }, settings, { files: program.files, dir, main: program.files.main });
      }
      checkpoints.writeStart({ ...spec, source: program.source ?? '' });
      return await this.launch(id, program.name, { type: 'start', program: { name: program.name, filename: path.join(this.opts.workDir, program.name), source: program.source ?? '' }, args: program.args }, settings);
    } catch (err) {
      checkpoints.remove(id);
      throw err;
    }
  }

  /** Starts a program from a snapshot sent to this agent, under `id` when given (a migrated
   *  program keeps its id). `files`: a directory program's files, written here first. */
  async restore(
    snapshot: string,
    opts: { id?: string; name?: string; paused?: boolean; files?: FileTree; restart?: RestartPolicy; restarts?: number; memoryLimit?: number; outputSeq?: number; log?: string[] },
  ): Promise<ProcessRecord> {
    let id = opts.id;
    if (id !== undefined) {
      const existing = this.entries.get(id);
      if (existing && isLive(existing.record.status)) throw new ThingsError('E_BAD_STATE', `process ${id} is already ${existing.record.status} here`);
      if (this.launching.has(id)) throw new ThingsError('E_BAD_STATE', `process ${id} is being started here`);
    } else {
      id = this.freshId();
    }
    this.refuseIfStopping();
    const name = opts.name ?? 'snapshot';
    const settings = this.fromSnapshot(opts);
    const paused = opts.paused === true;
    // Its hash checked here, before it is kept: a damaged snapshot is refused as such, and
    // the host then takes no hash of its own (no crypto loaded there for it).
    checkSnapshot(snapshot);
    if (opts.log) this.opts.logs.seed(id, opts.log);
    // Checkpointed before the answer: once the source hears it, it forgets the program.
    this.opts.checkpoints.write({ id, name, restart: settings.restart, memoryLimit: settings.memoryLimit, main: opts.files?.main, paused, restarts: opts.restarts ?? 0, outputSeq: opts.outputSeq ?? 0 }, snapshot);
    try {
      const first: FirstRequest = { type: 'restore', snapshot, paused, hashChecked: true };
      if (!opts.files) return await this.launch(id, name, first, settings);
      const dir = this.programDir(id);
      return await this.launch(id, name, { ...first, root: dir }, settings, { files: opts.files, dir, main: opts.files.main });
    } catch (err) {
      if (!this.entries.get(id) || !isLive(this.entries.get(id)!.record.status)) this.opts.checkpoints.remove(id);
      throw err;
    }
  }

  /** Brings back a program of a previous agent run (start-up), from its checkpoint, else
   *  from its start spec. Failures are logged and recorded, never thrown. */
  async restoreSaved(saved: Saved): Promise<void> {
    const { id } = saved;
    const { checkpoints, log } = this.opts;
    let ckpt;
    try {
      ckpt = checkpoints.read(id);
    } catch (err) {
      const aside = checkpoints.setAside(CheckpointStore.fileOf(err) ?? '');
      log.error(`process ${id}: ${(err as ThingsError).code ?? ErrorCodes.SNAPSHOT_CORRUPT}: ${(err as Error).message}; kept as ${aside}, not restored`);
      return;
    }
    const header = ckpt?.header;
    const start = saved.start;
    const base = header ?? start;
    if (!base) return;
    const tree = base.main !== undefined ? { dir: this.programDir(id), main: base.main } : undefined;
    if (tree && !fs.existsSync(path.join(tree.dir, ...tree.main.split('/')))) {
      log.error(`process ${id} (${base.name}): ${ErrorCodes.RESTORE_FAILED}: its files are missing from ${tree.dir}; not restored`);
      checkpoints.remove(id);
      return;
    }
    const settings: Settings = {
      restart: base.restart ?? 'never',
      memoryLimit: base.memoryLimit,
      restarts: header?.restarts ?? 0,
      outputSeq: header?.outputSeq,
      startedFrom: ckpt ? 'checkpoint' : 'start',
    };
    const first: FirstRequest = ckpt
      ? { type: 'restore', snapshot: ckpt.snapshot, hashChecked: true, paused: ckpt.header.paused, root: tree?.dir }
      : this.startRequest(base.name, start!, tree);
    try {
      if (ckpt) log.info(`process ${id} (${base.name}): restoring its checkpoint of ${ckpt.header.savedAt}`);
      else log.info(`process ${id} (${base.name}): it had no checkpoint yet; starting it from the beginning`);
      await this.launch(id, base.name, first, settings, tree ? { dir: tree.dir, main: tree.main } : undefined);
    } catch (err) {
      const e = toErrorPayload(err);
      if (ckpt && start && settings.restart === 'on-failure') {
        log.error(`process ${id} (${base.name}): ${ErrorCodes.RESTORE_FAILED}: ${e.code}: ${e.message}; its checkpoint is set aside and it starts over (restart on-failure)`);
        checkpoints.setAside(path.join(checkpoints.dir, `${id}.ckpt`));
        return this.restoreSaved({ id, start });
      }
      log.error(`process ${id} (${base.name}): ${ErrorCodes.RESTORE_FAILED}: ${e.code}: ${e.message}; its checkpoint is set aside, not restored`);
      for (const f of [`${id}.ckpt`, `${id}.program.json`]) if (fs.existsSync(path.join(checkpoints.dir, f))) checkpoints.setAside(path.join(checkpoints.dir, f));
    }
  }

  pause(id: string): Promise<ProcessRecord> {
    return this.locked(id, async (e) => {
      this.expect(e, ['Running', 'Paused'], 'pause');
      if (e.record.status === 'Paused') return { ...e.record };
      await this.hostOf(e).request({ type: 'pause' });
      this.opts.log.info(`process ${id} paused`);
      e.checkpointClean = false;
      return this.setStatus(e, 'Paused');
    });
  }

  resume(id: string): Promise<ProcessRecord> {
    return this.locked(id, async (e) => {
      this.expect(e, ['Running', 'Paused'], 'resume');
      if (e.record.status === 'Running') return { ...e.record };
      await this.hostOf(e).request({ type: 'resume' });
      this.opts.log.info(`process ${id} resumed`);
      e.checkpointClean = false;
      return this.setStatus(e, 'Running');
    });
  }

  /** Not queued behind other operations: a program stuck in a synchronous loop never
   *  answers a capture, and kill is what gets rid of it. What was in flight fails. */
  async kill(id: string): Promise<ProcessRecord> {
    const e = this.entry(id);
    this.expect(e, ['Running', 'Paused', 'Restarting'], 'kill');
    clearTimeout(e.restartTimer);
    e.restartTimer = undefined;
    // Set first: the exit handler must see that the end was asked for.
    this.setStatus(e, 'Killed');
    const host = e.host;
    if (host && !host.hasExited) {
      await host.kill();
      this.opts.log.info(`process ${id} killed`);
    } else {
      this.ended(e);
      this.opts.log.info(`process ${id} killed (it was waiting to restart)`);
    }
    return { ...e.record };
  }

  /** The program's snapshot; it goes on running (or stays paused) afterwards. */
  snapshot(id: string): Promise<string> {
    return this.locked(id, async (e) => {
      this.expect(e, ['Running', 'Paused'], 'snapshot');
      const snapshot = await this.capture(e);
      if (e.record.status === 'Running') await this.hostOf(e).request({ type: 'resume' });
      return snapshotText(snapshot);
    });
  }

  /**
   * Writes a checkpoint of a live program (Running or Paused; others are skipped, as is a
   * paused program whose state was checkpointed since it paused). The program is paused only
   * while it is captured, not while the file is written. Returns the bytes written, or 0.
   */
  checkpoint(id: string, options: { leavePaused?: boolean; timeoutMs?: number } = {}): Promise<number> {
    return this.locked(id, async (e) => {
      if (e.record.status !== 'Running' && e.record.status !== 'Paused') return 0;
      const paused = e.record.status === 'Paused';
      if (paused && e.checkpointClean) return 0;
      const snapshot = await this.capture(e, options.timeoutMs);
      if (!paused && !options.leavePaused) await this.hostOf(e).request({ type: 'resume' });
      const bytes = this.opts.checkpoints.write(this.headerOf(e, paused), snapshot);
      e.checkpointClean = paused;
      e.checkpointError = undefined;
      return bytes;
    });
  }

  /** Checkpoints every live program, one after the other (one snapshot in memory at a
   *  time). A program that cannot be captured keeps its previous checkpoint; the error is
   *  logged once until it changes. */
  async checkpointAll(patienceMs = 2000): Promise<{ programs: number; bytes: number; ms: number }> {
    const started = Date.now();
    let programs = 0;
    let bytes = 0;
    for (const e of [...this.entries.values()]) {
      if (this.stopping) break;
      if (e.record.status !== 'Running' && e.record.status !== 'Paused') continue;
      // Still capturing from an earlier round: a program busy in a long synchronous run is
      // captured when it yields (or its capture times out); the others do not wait for it.
      if (e.checkpointing) continue;
      const done = this.checkpoint(e.record.id).then(
        (n) => {
          if (n > 0) {
            programs++;
            bytes += n;
          }
        },
        (err) => this.reportCheckpointError(e, err),
      );
      e.checkpointing = done.finally(() => (e.checkpointing = undefined));
      await Promise.race([done, new Promise((resolve) => setTimeout(resolve, patienceMs).unref())]);
    }
    return { programs, bytes, ms: Date.now() - started };
  }

  /**
   * Captures and leaves the original paused in status Migrating until commit or abort; the
   * caller then makes the capture the program's checkpoint (`persistCapture`), after which a
   * restart of this agent brings the program back from the capture point, never from an
   * older state whose output the target would print again. A directory program's files come
   * along, read while the program is paused (so they are as the snapshot saw them, files it
   * wrote itself included), and so does the tail of its log.
   */
  beginMigration(id: string): Promise<{ snapshot: SnapshotData; wasPaused: boolean; record: ProcessRecord; files?: FileTree; log: string[]; main?: string; hostCaptureMs: number; capturedAt: number }> {
    return this.locked(id, async (e) => {
      this.expect(e, ['Running', 'Paused'], 'migrate');
      const wasPaused = e.record.status === 'Paused';
      this.setStatus(e, 'Migrating');
      try {
        const { snapshot, hostCaptureMs, capturedAt } = await this.captureWithStats(e);
        const files = e.tree ? packDirectory(e.tree.dir, e.tree.main) : undefined;
        const { lines } = this.opts.logs.read(id, { maxBytes: 256 * 1024 });
        return { snapshot, wasPaused, record: { ...e.record }, files, log: lines, main: e.tree?.main, hostCaptureMs, capturedAt };
      } catch (err) {
        await this.backToPrevious(e, wasPaused);
        throw err;
      }
    });
  }

  /** Source of a migration: the capture becomes the program's checkpoint (the caller does
   *  this while the package is on its way, and before it journals the migration). */
  async persistCapture(id: string, snapshot: SnapshotData, wasPaused: boolean): Promise<void> {
    const e = this.entries.get(id);
    if (!e || e.record.status !== 'Migrating') throw new ThingsError(ErrorCodes.BAD_STATE, `process ${id} is not migrating`);
    // Off the event loop: the package is on its way meanwhile. Nothing else writes this
    // program's checkpoint while it is Migrating (periodic checkpoints skip it).
    await this.opts.checkpoints.writeAsync(this.headerOf(e, wasPaused), snapshot);
    e.checkpointClean = true;
  }

  /** The migration is committed: the target runs the program now; the paused original goes
   *  (with its checkpoint and files: it must never come back here). */
  commitMigration(id: string, target: string): Promise<ProcessRecord> {
    return this.locked(id, async (e) => {
      e.record.migratedTo = target;
      this.setStatus(e, 'Migrated');
      if (e.host && !e.host.hasExited) await e.host.kill();
      else this.ended(e);
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

  /** True for a program of several files (its host runs in its own directory). */
  hasFiles(id: string): boolean {
    return this.entries.get(id)?.tree !== undefined;
  }

  /** The record of `id`, or undefined. */
  find(id: string): ProcessRecord | undefined {
    const e = this.entries.get(id);
    return e && { ...e.record };
  }

  /** The migration a Prepared copy of `id` waits for. */
  preparedFor(id: string): string | undefined {
    return this.entries.get(id)?.prepared?.migrationId;
  }

  /**
   * Target of a migration: restores the program paused, in status Prepared, under its id,
   * checkpointed while its host restores it (a restart of this agent brings the copy back
   * Prepared; the caller's journal, written just before, says it is a prepared copy and not
   * a program to run). Its files are written
   * and its log started with the source's tail. Nothing of it runs until `commitPrepared`.
   */
  async prepare(migrationId: string, program: MigratingProgram, pkg: MigrationPackage, journal: () => void = () => undefined): Promise<ProcessRecord> {
    const { id, name } = program;
    const existing = this.entries.get(id);
    if (existing && isLive(existing.record.status)) throw new ThingsError('E_BAD_STATE', `process ${id} is already ${existing.record.status} here`);
    if (this.launching.has(id)) throw new ThingsError('E_BAD_STATE', `process ${id} is being started here`);
    this.refuseIfStopping();
    const settings = this.fromSnapshot(program);
    if (pkg.log) this.opts.logs.seed(id, pkg.log);
    // The header says how the program is once committed (paused or not); the copy itself is
    // restored paused whatever it says.
    // Written while the host restores (both fsynced, out of the program's downtime, at the
    // same time). The answer waits for both.
    const durable = async (): Promise<void> => {
      // Both at once: the checkpoint off the event loop (the snapshot keeps flowing to the
      // host over IPC meanwhile), the journal entry beside it. The checkpoint names its
      // migration, so that one found without its entry after a crash is known for a copy
      // that was never answered (agent.ts removes it).
      const checkpoint = this.opts.checkpoints.writeAsync({ preparedFor: migrationId, id, name, restart: settings.restart, memoryLimit: settings.memoryLimit, main: pkg.files?.main, paused: program.paused, restarts: program.restarts ?? 0, outputSeq: program.outputSeq ?? 0 }, pkg.snapshot);
      try {
        journal();
        // The snapshot's own hash, end to end (a transfer's digest covers only its trip),
        // taken here while the host parses it (two processes: out of the downtime on a
        // multi-core board), so that the host takes none (and loads no crypto for it).
        checkSnapshot(pkg.snapshot);
      } catch (err) {
        // The write under way ends before the caller removes what it wrote.
        await checkpoint.catch(() => undefined);
        throw err;
      }
      await checkpoint;
    };
    const prepared = { migrationId, paused: program.paused };
    try {
      const first: FirstRequest = { type: 'restore', snapshot: pkg.snapshot, paused: true, hashChecked: true };
      if (!pkg.files) return await this.launch(id, name, first, settings, undefined, prepared, durable);
      const dir = this.programDir(id);
      return await this.launch(id, name, { ...first, root: dir }, settings, { files: pkg.files, dir, main: pkg.files.main }, prepared, durable);
    } catch (err) {
      if (!this.entries.get(id) || !isLive(this.entries.get(id)!.record.status)) {
        this.opts.checkpoints.remove(id);
        this.opts.logs.remove(id);
      }
      throw err;
    }
  }

  /** Start-up of a target that held a Prepared copy: the copy comes back Prepared from its
   *  checkpoint. False when there is no usable checkpoint (nothing was restored). */
  async restorePrepared(id: string, migrationId: string): Promise<boolean> {
    const { checkpoints, log } = this.opts;
    let ckpt;
    try {
      ckpt = checkpoints.read(id);
    } catch (err) {
      log.error(`process ${id}: the prepared copy of migration ${migrationId} is damaged (${(err as Error).message})`);
      return false;
    }
    if (!ckpt) return false;
    const h = ckpt.header;
    const tree = h.main !== undefined ? { dir: this.programDir(id), main: h.main } : undefined;
    const settings: Settings = { restart: h.restart ?? 'never', memoryLimit: h.memoryLimit, restarts: h.restarts, outputSeq: h.outputSeq, startedFrom: 'snapshot' };
    try {
      await this.launch(id, h.name, { type: 'restore', snapshot: ckpt.snapshot, hashChecked: true, paused: true, root: tree?.dir }, settings, tree, { migrationId, paused: h.paused });
      return true;
    } catch (err) {
      const p = toErrorPayload(err);
      log.error(`process ${id}: cannot bring back the prepared copy of migration ${migrationId}: ${p.code}: ${p.message}`);
      return false;
    }
  }

  /**
   * The migration committed: the Prepared copy goes on (or stays paused, as the original
   * was). A copy whose host died meanwhile is restored again from its checkpoint. Returns the
   * record and when the program was let go (performance.now()).
   */
  commitPrepared(id: string, migrationId: string): Promise<{ record: ProcessRecord; resumedAt: number }> {
    return this.locked(id, async (e) => {
      if (e.record.status !== 'Prepared' || e.prepared?.migrationId !== migrationId) throw new ThingsError('E_BAD_STATE', `process ${id} is not the prepared copy of migration ${migrationId} (it is ${e.record.status})`);
      const { paused } = e.prepared;
      if (e.host && !e.host.hasExited) {
        if (!paused) await e.host.request({ type: 'resume' });
      } else {
        const ckpt = this.opts.checkpoints.read(id);
        if (!ckpt) throw new ThingsError(ErrorCodes.RESTORE_FAILED, `process ${id}: its prepared copy is gone and it has no checkpoint`);
        e.tail = [];
        await this.spawn(e, { type: 'restore', snapshot: ckpt.snapshot, hashChecked: true, paused, root: e.tree?.dir });
      }
      const resumedAt = performance.now();
      e.prepared = undefined;
      e.checkpointClean = false;
      e.record.status = paused ? 'Paused' : 'Running';
      this.opts.log.info(`process ${id} committed here (migration ${migrationId}), ${e.record.status}`);
      this.emit('change');
      return { record: { ...e.record }, resumedAt };
    });
  }

  /** After a commit: the copy's checkpoint loses its mark of a prepared copy (serialised with
   *  the program's periodic checkpoints, which write it without one). */
  settleCommitted(id: string): Promise<void> {
    if (!this.entries.has(id)) return this.opts.checkpoints.unmarkPrepared(id);
    return this.locked(id, () => this.opts.checkpoints.unmarkPrepared(id));
  }

  /** The migration aborted: the Prepared copy goes, with its checkpoint, files and log. */
  discardPrepared(id: string, migrationId: string): Promise<boolean> {
    const e = this.entries.get(id);
    if (!e || e.record.status !== 'Prepared' || e.prepared?.migrationId !== migrationId) return Promise.resolve(false);
    return this.locked(id, async () => {
      if (e.record.status !== 'Prepared' || e.prepared?.migrationId !== migrationId) return false;
      e.prepared = undefined;
      // Not live any more: the exit handler ends it (files, checkpoint) without a failure.
      e.record.status = 'Killed';
      if (e.host && !e.host.hasExited) await e.host.kill();
      else this.ended(e);
      if (this.entries.get(id) === e) this.entries.delete(id);
      this.opts.logs.remove(id);
      this.opts.log.info(`process ${id}: prepared copy of migration ${migrationId} discarded`);
      this.emit('change');
      return true;
    });
  }

  /** What a prepared copy that is not running may have left (its checkpoint, files, log),
   *  unless a live program has the id. */
  forgetPrepared(id: string): void {
    const e = this.entries.get(id);
    if ((e && isLive(e.record.status)) || this.launching.has(id)) return;
    this.opts.checkpoints.remove(id);
    removeDir(this.programDir(id));
    if (!e) this.opts.logs.remove(id);
  }

  /** A program's log (see program-logs.ts); also for a program that is no longer here. */
  logs(id: string, tail?: number): { lines: string[]; seq?: number; truncated: boolean } {
    const e = this.entries.get(id);
    if (!e && !this.opts.logs.exists(id)) throw new ThingsError(ErrorCodes.UNKNOWN_PROCESS, `no process ${id} on agent ${this.opts.agentId}`);
    const { lines, truncated } = this.opts.logs.read(id, { tail });
    return { lines, truncated, seq: e?.record.outputLines ?? (e ? 0 : undefined) };
  }

  /**
   * Agent shutdown: checkpoints every live program (within `budgetMs`, in parallel), then
   * kills every child. Nothing is removed: the programs come back when the agent starts. A
   * program that cannot be captured in time keeps its previous checkpoint (or start spec).
   */
  async shutdown(budgetMs: number): Promise<{ checkpointed: number; failed: number; ms: number }> {
    const started = Date.now();
    const deadline = started + budgetMs;
    this.stopping = true;
    if (this.sampleTimer) clearInterval(this.sampleTimer);
    this.dropSpares();
    for (const e of this.entries.values()) {
      clearTimeout(e.restartTimer);
      e.restartTimer = undefined;
    }
    // A handoff in flight settles first (commit: the program is the target's; abort: ours).
    await this.untilNoMigration(Math.max(0, (deadline - Date.now()) / 2));
    const live = [...this.entries.values()].filter((e) => e.host && !e.host.hasExited && (e.record.status === 'Running' || e.record.status === 'Paused'));
    let checkpointed = 0;
    let failed = 0;
    await Promise.all(
      live.map(async (e) => {
        const remaining = deadline - Date.now();
        try {
          if (remaining <= 0) throw new ThingsError(ErrorCodes.TIMEOUT, 'no time left');
          await withTimeout(this.checkpoint(e.record.id, { leavePaused: true, timeoutMs: remaining }), remaining);
          checkpointed++;
        } catch (err) {
          failed++;
          const p = toErrorPayload(err);
          this.opts.log.warn(`process ${e.record.id}: no checkpoint at shutdown (${p.code}: ${p.message}); it will come back from its previous one`);
        }
      }),
    );
    await Promise.all([...this.entries.values()].map((e) => e.host?.kill()));
    return { checkpointed, failed, ms: Date.now() - started };
  }

  /** SIGKILLs every child at once (the agent's last resort when stopping takes too long). */
  killAllNow(): void {
    for (const e of this.entries.values()) {
      const pid = e.host && !e.host.hasExited ? e.host.pid : 0;
      if (pid > 0) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }
  }

  // --- internals ---

  /** Settings of a program restored from a snapshot (a restore request, or a migration's
   *  copy): what came with it, this agent's memory limit when it brought none. */
  private fromSnapshot(p: { restart?: RestartPolicy; memoryLimit?: number; restarts?: number; outputSeq?: number }): Settings {
    return { restart: p.restart ?? 'never', memoryLimit: p.memoryLimit ?? this.opts.memoryLimitBytes, restarts: p.restarts, outputSeq: p.outputSeq, startedFrom: 'snapshot' };
  }

  private refuseIfStopping(): void {
    if (this.stopping) throw new ThingsError(ErrorCodes.BAD_STATE, `agent ${this.opts.agentId} is stopping`);
  }

  private freshId(): string {
    let id = newProcessId();
    while (this.entries.has(id) || this.launching.has(id)) id = newProcessId();
    return id;
  }

  private programDir(id: string): string {
    return path.join(this.opts.programsDir, id);
  }

  private startRequest(name: string, spec: { source?: string; main?: string; args?: string[] }, tree: Entry['tree']): FirstRequest {
    if (tree) return { type: 'start', program: { name, filename: path.join(tree.dir, ...tree.main.split('/')) }, root: tree.dir, args: spec.args };
    return { type: 'start', program: { name, filename: path.join(this.opts.workDir, name), source: spec.source ?? '' }, args: spec.args };
  }

  private headerOf(e: Entry, paused: boolean): Parameters<CheckpointStore['write']>[0] {
    const r = e.record;
    return { id: r.id, name: r.name, restart: r.restart ?? 'never', memoryLimit: r.memoryLimit, main: e.tree?.main, paused, restarts: r.restarts ?? 0, outputSeq: r.outputLines ?? 0 };
  }

  /** `tree.files` given: written to `tree.dir` first (removed again if the launch fails). */
  private async launch(
    id: string,
    name: string,
    first: FirstRequest,
    settings: Settings,
    tree?: { files?: FileTree; dir: string; main: string },
    prepared?: Entry['prepared'],
    whileFirst?: () => Promise<void>,
  ): Promise<ProcessRecord> {
    this.refuseIfStopping();
    this.launching.add(id);
    try {
      if (tree?.files) await writeFileTree(tree.files, tree.dir);
      const record: ProcessRecord = { agent: this.opts.agentId, id, pid: 0, status: 'Running', name, restart: settings.restart, restarts: settings.restarts ?? 0, startedFrom: settings.startedFrom, outputLines: settings.outputSeq ?? 0 };
      if (settings.memoryLimit !== undefined) record.memoryLimit = settings.memoryLimit;
      const entry: Entry = {
        record,
        host: undefined,
        lock: Promise.resolve(),
        tree: tree ? { dir: tree.dir, main: tree.main } : undefined,
        tail: [],
        startedAt: Date.now(),
        failuresInRow: 0,
        checkpointClean: false,
        inLaunch: true,
      };
      const previous = this.entries.get(id);
      try {
        await this.spawn(
          entry,
          first,
          () => {
            // Registered before the first request so that an exit racing the reply is recorded.
            this.entries.delete(id);
            this.entries.set(id, entry);
          },
          whileFirst,
        );
      } catch (err) {
        // Leave the table as it was: the request failed as a whole.
        if (this.entries.get(id) === entry) {
          this.entries.delete(id);
          if (previous) this.entries.set(id, previous);
        }
        await entry.host?.kill();
        throw err;
      }
      entry.inLaunch = false;
      if (prepared && !entry.host?.exit) {
        entry.prepared = prepared;
        entry.record.status = 'Prepared';
      }
      // A program with no work may have finished before its reply arrived.
      if (entry.host?.exit) this.handleExit(entry, entry.host, entry.host.exit);
      const how = entry.prepared ? `prepared for migration ${entry.prepared.migrationId}` : settings.startedFrom === 'checkpoint' ? 'restored from its checkpoint' : settings.startedFrom === 'snapshot' ? 'restored' : 'started';
      this.opts.log.info(`process ${id} (${name}) ${how}, pid ${entry.record.pid}, ${entry.record.status}`);
      this.emit('change');
      return { ...entry.record };
    } catch (err) {
      if (tree?.files) removeDir(tree.dir);
      throw err;
    } finally {
      this.launching.delete(id);
    }
  }

  /** Starts a child for `e` and sends it its first request. `whileFirst` runs while the host
   *  works on that request (its writes overlap the restore); when it fails, the launch fails. */
  private async spawn(e: Entry, first: FirstRequest, register?: () => void, whileFirst?: () => Promise<void>): Promise<void> {
    const cwd = e.tree?.dir ?? this.opts.workDir;
    const limit = e.record.memoryLimit;
    const host = (await this.takeSpare(cwd, limit)) ?? this.newHost(cwd, limit);
    host.on('output', (stream, line) => this.onOutput(e, stream, line));
    if (!host.pid) await host.start();
    e.host = host;
    e.killReason = undefined;
    e.startedAt = Date.now();
    e.record.pid = host.pid;
    this.writePidFile(e.record.id, host.pid);
    register?.();
    host.on('exit', (exit) => this.handleExit(e, host, exit));
    const answer = host.request(first, first.type === 'restore' ? this.opts.captureTimeoutMs : this.opts.requestTimeoutMs);
    if (whileFirst) {
      // Handled now: the answer may fail while the writes are still under way.
      answer.catch(() => undefined);
      await whileFirst();
    }
    const result = await answer;
    // A program with no work may have finished before its reply arrived: its exit is
    // recorded already (or, in a launch, right after this). A kill meanwhile stands.
    if (!host.hasExited && 'status' in result && isLive(e.record.status)) e.record.status = result.status;
    e.checkpointClean = false;
  }

  private newHost(cwd: string, limit: number | undefined): ChildHost {
    return new ChildHost({
      script: this.opts.childScript,
      cwd,
      readyTimeoutMs: this.opts.readyTimeoutMs,
      requestTimeoutMs: this.opts.requestTimeoutMs,
      execArgv: limit !== undefined ? [`--max-old-space-size=${heapLimitMiB(limit)}`] : [],
      spoolDir: this.opts.spoolDir,
    });
  }

  private static hostKey(cwd: string, limit: number | undefined): string {
    return `${cwd}\0${limit ?? ''}`;
  }

  /**
   * Target of a migration, before the source captures: starts a program host and resolves
   * when it is ready, so that the restore does not wait for a Node process to start (that
   * wait is out of the program's downtime then). The host serves the next single-file
   * program restored with the same memory limit; unused, it ends after `spareTtlMs`.
   * Repeated for one migration: the same host. False when no host could be started
   * (the restore then starts its own, as without this).
   */
  async warmHost(migrationId: string, memoryLimit: number | undefined): Promise<boolean> {
    this.refuseIfStopping();
    const limit = memoryLimit ?? this.opts.memoryLimitBytes;
    const key = Supervisor.hostKey(this.opts.workDir, limit);
    let spare = this.spares.find((x) => x.migrationId === migrationId && x.key === key && !x.host.hasExited);
    if (!spare) {
      while (this.spares.length >= MAX_SPARES) this.dropSpare(this.spares[0]!);
      const host = this.newHost(this.opts.workDir, limit);
      const created: Spare = {
        migrationId,
        key,
        host,
        ready: host.start().then(
          () => true,
          (err: Error) => {
            this.opts.log.warn(`a program host started ahead for migration ${migrationId} failed: ${err.message}`);
            this.spares = this.spares.filter((x) => x !== created);
            return false;
          },
        ),
        timer: setTimeout(() => this.dropSpare(created), this.opts.spareTtlMs),
        onExit: () => {
          this.spares = this.spares.filter((x) => x !== created);
        },
      };
      created.timer.unref();
      host.on('exit', created.onExit);
      this.spares.push(created);
      spare = created;
    }
    return spare.ready;
  }

  /** A spare host for a program with this cwd and memory limit, taken out of the pool. */
  private async takeSpare(cwd: string, limit: number | undefined): Promise<ChildHost | undefined> {
    const key = Supervisor.hostKey(cwd, limit);
    const spare = this.spares.find((x) => x.key === key && !x.host.hasExited);
    if (!spare) return undefined;
    this.spares = this.spares.filter((x) => x !== spare);
    clearTimeout(spare.timer);
    if (!(await spare.ready) || spare.host.hasExited) return undefined;
    spare.host.off('exit', spare.onExit);
    return spare.host;
  }

  /** The spare host warmed for a migration that will not come (aborted), if any, ends. */
  dropSpareFor(migrationId: string): void {
    for (const x of this.spares.filter((y) => y.migrationId === migrationId)) this.dropSpare(x);
  }

  private dropSpare(spare: Spare): void {
    this.spares = this.spares.filter((x) => x !== spare);
    clearTimeout(spare.timer);
    void spare.host.kill();
  }

  private dropSpares(): void {
    for (const x of [...this.spares]) this.dropSpare(x);
  }

  private onOutput(e: Entry, stream: 'stdout' | 'stderr', line: string): void {
    const seq = (e.record.outputLines ?? 0) + 1;
    e.record.outputLines = seq;
    const text = line.endsWith('\n') ? line.slice(0, -1) : line;
    e.tail.push(text.length > TAIL_LINE_CHARS ? `${text.slice(0, TAIL_LINE_CHARS)}…` : text);
    if (e.tail.length > TAIL_LINES) e.tail.shift();
    this.opts.logs.append(e.record.id, stream, line);
    this.emit('output', e.record.id, stream, line, seq);
  }

  private async capture(e: Entry, timeoutMs = this.opts.captureTimeoutMs): Promise<SnapshotData> {
    return (await this.captureWithStats(e, timeoutMs)).snapshot;
  }

  /** `capturedAt`: when the host's answer came (performance.now()); the program stopped
   *  `hostCaptureMs` before it. */
  private async captureWithStats(e: Entry, timeoutMs = this.opts.captureTimeoutMs): Promise<{ snapshot: SnapshotData; hostCaptureMs: number; capturedAt: number }> {
    const result = await this.hostOf(e).request({ type: 'capture' }, timeoutMs);
    const capturedAt = performance.now();
    if (result.type !== 'capture') throw new ThingsError('E_INTERNAL', `the program host answered capture with ${result.type}`);
    this.opts.log.debug(() => `process ${e.record.id} captured: ${result.stats.bytes} bytes, ${result.stats.objects} objects, ${result.stats.captureMs} ms`);
    // The host writes output synchronously before it replies, but stdout and the IPC channel
    // are separate pipes: let one event-loop turn read what is still in the stdout pipe so
    // that every line printed before the capture is published (and counted in the
    // checkpoint's outputSeq) before the snapshot moves on.
    await new Promise((resolve) => setImmediate(resolve));
    return { snapshot: result.snapshot, hostCaptureMs: result.stats.captureMs, capturedAt };
  }

  private async backToPrevious(e: Entry, wasPaused: boolean): Promise<void> {
    if (!e.host || e.host.hasExited) return;
    // capture leaves the program paused; a program that was running goes on.
    if (!wasPaused) await e.host.request({ type: 'resume' }).catch((err: Error) => this.opts.log.error(`process ${e.record.id}: cannot resume after a failed migration: ${err.message}`));
    this.setStatus(e, wasPaused ? 'Paused' : 'Running');
  }

  private handleExit(e: Entry, host: ChildHost, exit: ChildExit): void {
    if (e.host !== host || this.entries.get(e.record.id) !== e) return;
    const r = e.record;
    this.removePidFile(r.id);
    this.sampler.forget(host.pid);
    delete r.stats;
    r.exitCode = exit.code;
    if (e.inLaunch) return;
    if (this.stopping) {
      // Not an end: the program comes back when the agent starts again.
      this.emit('change');
      return;
    }
    if (r.status === 'Prepared') {
      // Nothing of it ran; a commit restores it again from its checkpoint.
      this.opts.log.warn(`process ${r.id}: the host of its prepared copy exited (${exit.signal ?? `code ${exit.code}`}); a commit restores it again`);
      e.host = undefined;
      r.pid = 0;
      this.emit('change');
      return;
    }
    if (isLive(r.status)) {
      const failed = exit.code !== 0 || exit.signal !== null || exit.uncaught !== undefined || e.killReason !== undefined;
      if (!failed) {
        r.status = 'Exited';
        delete r.error;
        delete r.errorCode;
        this.opts.log.info(`process ${r.id} exited`);
        this.ended(e);
      } else {
        const why = this.failureOf(e, exit);
        r.error = why.message;
        r.errorCode = why.code;
        r.lastOutput = [...e.tail];
        if (r.restart === 'on-failure') {
          this.scheduleRestart(e);
        } else {
          r.status = 'Failed';
          this.opts.log.warn(`process ${r.id} failed: ${why.code}: ${why.message}${e.tail.length ? ` (last output: ${JSON.stringify(e.tail[e.tail.length - 1])})` : ''}`);
          this.ended(e);
        }
      }
    } else {
      // Killed or Migrated: asked for.
      this.ended(e);
    }
    this.prune();
    this.emit('change');
  }

  private failureOf(e: Entry, exit: ChildExit): { code: string; message: string } {
    if (e.killReason) return e.killReason;
    const limit = e.record.memoryLimit;
    if (limit !== undefined && (exit.signal === 'SIGABRT' || exit.code === 134 || e.tail.some((l) => /heap out of memory|Reached heap limit/.test(l)))) {
      return { code: 'E_MEMORY_LIMIT', message: `its JavaScript heap reached its limit (${heapLimitMiB(limit)} MiB, from the memory limit of ${mib(limit)})` };
    }
    if (exit.uncaught !== undefined) return { code: 'E_PROGRAM_FAILED', message: exit.uncaught };
    return { code: 'E_PROGRAM_FAILED', message: `exited with ${exit.signal ?? `code ${exit.code}`}` };
  }

  /** A program's end for good (exited, failed for good, killed, migrated away). */
  private ended(e: Entry): void {
    // Synchronous: a restore of the same id (a program migrated back) may write the directory
    // again right after this.
    if (e.tree) removeDir(e.tree.dir);
    try {
      this.opts.checkpoints.remove(e.record.id);
    } catch (err) {
      this.opts.log.warn(`process ${e.record.id}: cannot remove its checkpoint: ${(err as Error).message}`);
    }
    this.opts.logs.close(e.record.id);
  }

  private scheduleRestart(e: Entry): void {
    const r = e.record;
    if (Date.now() - e.startedAt >= this.opts.restartStableMs) e.failuresInRow = 0;
    e.failuresInRow++;
    const delay = Math.min(this.opts.restartBaseMs * 2 ** (e.failuresInRow - 1), this.opts.restartMaxMs);
    r.status = 'Restarting';
    e.host = undefined;
    r.pid = 0;
    this.opts.log.warn(`process ${r.id} failed: ${r.errorCode}: ${r.error}; restarting in ${delay / 1000} s (restart ${(r.restarts ?? 0) + 1})`);
    clearTimeout(e.restartTimer);
    e.restartTimer = setTimeout(() => {
      e.restartTimer = undefined;
      this.restart(e).catch((err: Error) => this.opts.log.error(`process ${r.id}: restart failed: ${err.stack ?? err.message}`));
    }, delay);
  }

  private restart(e: Entry): Promise<void> {
    const id = e.record.id;
    if (this.entries.get(id) !== e) return Promise.resolve();
    return this.locked(id, async () => {
      if (e.record.status !== 'Restarting' || this.stopping) return;
      const { checkpoints, log } = this.opts;
      const r = e.record;
      r.restarts = (r.restarts ?? 0) + 1;
      let first: FirstRequest | undefined;
      let from: 'checkpoint' | 'start' = 'start';
      let start;
      try {
        start = checkpoints.readStart(id);
      } catch (err) {
        log.error(`process ${id}: ${(err as Error).message}`);
      }
      if (e.failuresInRow <= FAILURES_FROM_CHECKPOINT || !start) {
        try {
          const ckpt = checkpoints.read(id);
          if (ckpt) {
            first = { type: 'restore', snapshot: ckpt.snapshot, hashChecked: true, paused: false, root: e.tree?.dir };
            from = 'checkpoint';
          }
        } catch (err) {
          const aside = checkpoints.setAside(CheckpointStore.fileOf(err) ?? '');
          log.error(`process ${id}: ${(err as ThingsError).code}: ${(err as Error).message}; kept as ${aside}`);
        }
      }
      if (!first && start) first = this.startRequest(r.name, start, e.tree);
      if (!first) {
        r.status = 'Failed';
        r.errorCode = ErrorCodes.RESTORE_FAILED;
        r.error = 'it has neither a checkpoint nor a start to restart from';
        log.error(`process ${id}: ${r.errorCode}: ${r.error}`);
        this.ended(e);
        this.emit('change');
        return;
      }
      e.tail = [];
      r.startedFrom = from;
      // Still Restarting until the new process answers (then Running).
      try {
        await this.spawn(e, first);
      } catch (err) {
        // A failure of this run like any other. If its process ended on its own, the exit
        // handler has scheduled the next attempt already; if it was killed, it stays so.
        if (!e.restartTimer && isLive(r.status)) {
          const p = toErrorPayload(err);
          const reason = { code: ErrorCodes.RESTORE_FAILED, message: `its restart from its ${from} failed: ${p.code}: ${p.message}` };
          if (e.host && !e.host.hasExited) {
            e.killReason = reason;
            await e.host.kill();
          } else {
            r.error = reason.message;
            r.errorCode = reason.code;
            this.scheduleRestart(e);
          }
        }
        this.emit('change');
        return;
      }
      log.info(`process ${id} restarted from its ${from} (restart ${r.restarts}), pid ${r.pid}`);
      this.emit('change');
    });
  }

  private sampleAll(): void {
    const now = Date.now();
    for (const e of this.entries.values()) {
      const host = e.host;
      if (!host || host.hasExited || host.pid <= 0) continue;
      const s = this.sampler.sample(host.pid, now);
      if (!s) continue;
      e.record.stats = s;
      const limit = e.record.memoryLimit;
      if (limit !== undefined && s.rss > limit && !e.killReason) {
        e.killReason = { code: 'E_MEMORY_LIMIT', message: `its memory (${mib(s.rss)} resident) went over its limit of ${mib(limit)}` };
        this.opts.log.warn(`process ${e.record.id}: ${e.killReason.code}: ${e.killReason.message}; killing it`);
        host.kill().catch(() => undefined);
      }
    }
  }

  /** Hosts a previous agent left running (it was SIGKILLed and the host was too busy to
   *  notice its IPC channel closing): they would run a program twice once it is restored. */
  private reapLeftovers(): void {
    let names: string[];
    try {
      names = fs.readdirSync(this.opts.childrenDir);
    } catch {
      return;
    }
    for (const name of names) {
      const file = path.join(this.opts.childrenDir, name);
      try {
        const { pid, start } = JSON.parse(fs.readFileSync(file, 'utf8')) as { pid: number; start?: string };
        if (Number.isInteger(pid) && pid > 0 && start !== undefined && processStartTime(pid) === start) {
          process.kill(pid, 'SIGKILL');
          this.opts.log.warn(`process ${name}: ended the program host (pid ${pid}) a previous agent left running`);
        }
      } catch {
        /* gone, or not ours */
      }
      fs.rmSync(file, { force: true });
    }
  }

  private writePidFile(id: string, pid: number): void {
    try {
      fs.writeFileSync(path.join(this.opts.childrenDir, id), JSON.stringify({ pid, start: processStartTime(pid) }));
    } catch {
      /* best effort */
    }
  }

  private removePidFile(id: string): void {
    fs.rmSync(path.join(this.opts.childrenDir, id), { force: true });
  }

  private reportCheckpointError(e: Entry, err: unknown): void {
    // Killed, failed or gone meanwhile: nothing to report.
    if (e.record.status !== 'Running' && e.record.status !== 'Paused') return;
    const p = toErrorPayload(err);
    const text = `${p.code}: ${p.message}`;
    if (e.checkpointError === text) {
      this.opts.log.debug(() => `process ${e.record.id}: checkpoint failed again: ${text}`);
      return;
    }
    e.checkpointError = text;
    this.opts.log.warn(`process ${e.record.id}: cannot checkpoint it (${text}); it keeps its previous checkpoint`);
  }

  private async untilNoMigration(timeoutMs: number): Promise<void> {
    const migrating = (): boolean => [...this.entries.values()].some((e) => e.record.status === 'Migrating');
    if (!migrating()) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.off('change', check);
        resolve();
      };
      const check = (): void => {
        if (!migrating()) done();
      };
      const timer = setTimeout(done, timeoutMs);
      this.on('change', check);
    });
  }

  private prune(): void {
    const finished = [...this.entries.values()].filter((e) => !isLive(e.record.status));
    for (const e of finished.slice(0, Math.max(0, finished.length - this.opts.historyLimit))) {
      this.entries.delete(e.record.id);
      this.opts.logs.remove(e.record.id);
    }
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

  private hostOf(e: Entry): ChildHost {
    if (!e.host) throw new ThingsError('E_BAD_STATE', `process ${e.record.id} has no running program (it is ${e.record.status})`);
    return e.host;
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

/** The V8 heap cap of a program under a memory limit: the limit less what a program host
 *  needs besides its heap (~55 MiB resident on x86-64 with Node 20), at least 16 MiB. */
export function heapLimitMiB(limitBytes: number): number {
  return Math.max(16, Math.floor(limitBytes / MIB) - 64);
}

const mib = (bytes: number): string => `${(bytes / MIB).toFixed(1)} MiB`;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new ThingsError(ErrorCodes.TIMEOUT, `no checkpoint within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function removeDir(dir: string): void {
  try {
    fs.rmSync(dir, { recursive: true, force: true });
  } catch {
    // Nothing to do about it here; the agent clears programs/ when it starts.
  }
}
