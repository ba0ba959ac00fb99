/**
 * The target side of a migration (docs/migration.md). It never decides: it holds a paused
 * copy until the source's decision reaches it, by the source's `commit` / `abort`, or by
 * asking the source itself (`migration-status`) when none comes.
 *
 *   prepare   journal: prepared (before anything is written), then the copy: checkpointed,
 *             files written, restored PAUSED (status Prepared); answer ok  ← after-prepared
 *             a repeated prepare of the same migration gets the same answer, nothing twice
 *   commit    the copy goes on; journal: committed (done); answer         ← after-commit-ack
 *   abort     the copy goes (process, checkpoint, files, log); journal: aborted
 *             an abort of a migration never seen leaves a tombstone: a prepare that arrives
 *             late is refused
 *   no word   every migrate_status_interval, while the source is online, ask it:
 *             committed → commit; aborted or unknown → abort (the source writes its
 *             decision before it tells anyone, so "unknown" means "not committed");
 *             no answer → keep the copy paused and ask again
 *
 * A restart: a `prepared` entry brings its copy back Prepared (from its checkpoint) and
 * starts asking; `committed` ones came back as ordinary programs.
 */
import { ErrorCodes, ThingsError, toErrorPayload } from '../shared/errors';
import type { AbortResult, CommitResult, PrepareArgs, PrepareBeginArgs, PrepareBeginResult, PrepareChunkArgs, PrepareChunkResult, PrepareResult, WarmArgs, WarmResult } from '../protocol/messages';
import { IncomingTransfer, parsePackageText, TRANSFER_FEATURES } from '../protocol/transfer';
import { checkMigrationPackage } from '../protocol/validate';
import { type HandoffDeps, KeyedLock, ms, now } from './handoff';

/** The largest package a target takes (memory of a small device). */
const MAX_TRANSFER_BYTES = 256 * 1024 * 1024;
/** A transfer with no chunk for this long is dropped (its source gave up). */
const TRANSFER_IDLE_MS = 10 * 60 * 1000;

export class MigrationTarget {
  private readonly transfers = new Map<string, IncomingTransfer>();
  /** Prepare received → paused copy ready, per migration (answers a repeated prepare). */
  private readonly restoreMs = new Map<string, number>();
  private readonly lock = new KeyedLock();
  private readonly polls = new Map<string, NodeJS.Timeout>();
  private sweeper: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly d: HandoffDeps) {}

  /** Start-up, before any program is restored: the process ids whose checkpoint is a
   *  prepared copy (they are not restored as programs; see `restorePrepared`). */
  recover(): Map<string, string> {
    const prepared = new Map<string, string>();
    for (const e of this.d.journal.active('target')) if (e.phase === 'prepared') prepared.set(e.id, e.migrationId);
    return prepared;
  }

  /** Start-up: brings the prepared copies back (Prepared), then asks for their decisions. */
  async restorePrepared(): Promise<void> {
    const { journal, supervisor, log } = this.d;
    for (const e of journal.active('target')) {
      if (e.phase !== 'prepared') continue;
      await this.lock.run(e.migrationId, async () => {
        const back = await supervisor.restorePrepared(e.id, e.migrationId);
        if (!back) {
          // No copy: killed between the journal entry and the checkpoint, so the prepare was
          // never answered and the source cannot have committed on it. The entry goes too: a
          // prepare sent again starts afresh.
          log.warn(`process ${e.id}: no usable prepared copy of migration ${e.migrationId} after the restart; forgetting it (a prepare sent again starts afresh)`);
          supervisor.forgetPrepared(e.id);
          journal.forget(e.migrationId);
          return;
        }
        log.info(`process ${e.id}: prepared copy of migration ${e.migrationId} from ${e.source} is back; asking ${e.source} for the decision`);
        this.schedulePoll(e.migrationId, 0);
      });
    }
  }

  /** After start-up: committed entries whose program came back as an ordinary one are done. */
  start(): void {
    const { journal } = this.d;
    for (const e of journal.active('target')) {
      if (e.phase !== 'committed') continue;
      // As at a commit: the checkpoint's mark goes before the entry is done.
      void this.settleCheckpoint(e.id).then(() => {
        try {
          journal.update(e.migrationId, { done: true });
        } catch (err) {
          this.d.log.error(`migration ${e.migrationId}: cannot mark it done in the journal: ${(err as Error).message}`);
        }
      });
    }
    this.sweeper = setInterval(() => {
      for (const [id, t] of this.transfers) if (Date.now() - t.lastActivity > TRANSFER_IDLE_MS) this.transfers.delete(id);
    }, 60_000);
    this.sweeper.unref();
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.polls.values()) clearTimeout(t);
    this.polls.clear();
    clearInterval(this.sweeper);
  }

  begin(args: PrepareBeginArgs): PrepareBeginResult {
    const { migrationId } = args;
    const e = this.d.journal.get(migrationId);
    if (e?.phase === 'aborted') throw this.abortedError(migrationId, e.reason);
    // Prepared already: the prepare will be answered from the journal, no chunk is needed.
    if (e) return { migrationId, received: Array.from({ length: args.chunks }, (_, i) => i) };
    if (args.size > MAX_TRANSFER_BYTES) throw new ThingsError(ErrorCodes.TOO_LARGE, `a migration package of ${args.size} bytes is over this agent's limit of ${MAX_TRANSFER_BYTES}`);
    let t = this.transfers.get(migrationId);
    if (!t || t.begin.sha256 !== args.sha256 || t.begin.size !== args.size || t.begin.chunkSize !== args.chunkSize || t.begin.digest !== args.digest) {
      t = new IncomingTransfer(args);
      this.transfers.set(migrationId, t);
    }
    return { migrationId, received: t.received };
  }

  chunk(args: PrepareChunkArgs): PrepareChunkResult {
    const { migrationId, index } = args;
    const t = this.transfers.get(migrationId);
    if (!t) {
      const e = this.d.journal.get(migrationId);
      if (e?.phase === 'aborted') throw this.abortedError(migrationId, e.reason);
      if (e) return { migrationId, index };
      throw new ThingsError(ErrorCodes.TRANSFER_INCOMPLETE, `${this.d.agentId} has no transfer of migration ${migrationId} (begin it again)`);
    }
    t.add(index, args.data, args.sha256);
    return { migrationId, index };
  }

  /** Before the source captures: a program host started ahead, ready when this answers.
   *  Nothing is journaled: a host that no prepare uses ends by itself. */
  async warm(args: WarmArgs): Promise<WarmResult> {
    const started = now();
    const ready = await this.d.supervisor.warmHost(args.migrationId, args.memoryLimit);
    return { migrationId: args.migrationId, ready, ms: ms(now() - started), transfer: TRANSFER_FEATURES };
  }

  prepare(args: PrepareArgs): Promise<PrepareResult> {
    const { migrationId, program } = args;
    return this.lock.run(migrationId, async () => {
      const { journal, supervisor, faults, agentId, log } = this.d;
      const e = journal.get(migrationId);
      if (e) {
        if (e.phase === 'aborted') throw this.abortedError(migrationId, e.reason);
        if (e.role !== 'target' || e.id !== program.id) throw new ThingsError(ErrorCodes.BAD_REQUEST, `migration ${migrationId} is known here for something else`);
        const record = supervisor.find(program.id);
        const held = e.phase === 'committed' || supervisor.preparedFor(program.id) === migrationId;
        // Asked again (our answer was lost, or the source restarted its transfer): the same answer.
        if (record && held) return { migrationId, record, restoreMs: this.restoreMs.get(migrationId) ?? e.timing?.restoreMs ?? 0 };
        // Journaled but the copy is not here (a crash before it was written): prepare again.
      }
      const started = now();
      if (faults.message('target', 'prepare', ['refuse'])) throw new ThingsError('E_MEMORY_LIMIT', `${agentId} has not enough memory for process ${program.id} (fault injection)`);
      let pkg = args.package;
      if (!pkg) {
        const t = this.transfers.get(migrationId);
        if (!t) throw new ThingsError(ErrorCodes.TRANSFER_INCOMPLETE, `${agentId} has no transfer of migration ${migrationId} (begin it again)`);
        const text = t.assemble(args.transfer as { size: number; sha256: string });
        pkg = checkMigrationPackage(parsePackageText(text, t.begin.format ?? 'json'), 'the migration package');
      }
      // Journaled while the copy's checkpoint is written, and while the host restores the
      // copy (supervisor.prepare); the checkpoint names the migration, so that after a restart
      // one without its entry is known for a copy never answered (agent.ts removes it).
      let journaled = false;
      const journalIt = (): void => {
        journal.put({ migrationId, role: 'target', id: program.id, source: args.source, target: agentId, phase: 'prepared', done: false });
        journaled = true;
      };
      let record;
      try {
        record = await supervisor.prepare(migrationId, program, pkg, journalIt);
      } catch (err) {
        supervisor.dropSpareFor(migrationId);
        const p = toErrorPayload(err);
        const reason = `the prepare failed here: ${p.code}: ${p.message}`;
        if (journaled) journal.update(migrationId, { phase: 'aborted', done: true, reason });
        else journal.put({ migrationId, role: 'target', id: program.id, source: args.source, target: agentId, phase: 'aborted', done: true, reason });
        this.transfers.delete(migrationId);
        throw err;
      }
      this.transfers.delete(migrationId);
      // A host warmed for it and not used (a directory program has its own cwd) goes.
      supervisor.dropSpareFor(migrationId);
      const restoreMs = ms(now() - started);
      // Kept in memory, not journaled: one write (and fsync) less in the program's downtime;
      // a repeated prepare after a restart answers 0.
      this.restoreMs.set(migrationId, restoreMs);
      if (this.restoreMs.size > 256) this.restoreMs.delete(this.restoreMs.keys().next().value as string);
      log.info(`process ${program.id}: prepared for migration ${migrationId} from ${args.source} in ${restoreMs} ms (paused until ${args.source} decides)`);
      this.schedulePoll(migrationId);
      await faults.step('target', 'after-prepared');
      return { migrationId, record, restoreMs };
    });
  }

  commit(migrationId: string): Promise<CommitResult> {
    return this.lock.run(migrationId, async () => {
      const { journal, supervisor, agentId } = this.d;
      const started = now();
      const e = journal.get(migrationId);
      if (!e || e.role !== 'target') throw new ThingsError(ErrorCodes.MIGRATION_ABORTED, `${agentId} holds no copy of migration ${migrationId}`);
      if (e.phase === 'aborted') throw this.abortedError(migrationId, e.reason);
      this.stopPoll(migrationId);
      let record = supervisor.find(e.id);
      let resumedAt = started;
      if (supervisor.preparedFor(e.id) === migrationId) {
        // The program goes on first, the journal follows: the decision is the source's (a
        // crash in between brings the copy back Prepared, and asking the source commits it
        // again), so the write need not be in the program's downtime.
        ({ record, resumedAt } = await supervisor.commitPrepared(e.id, migrationId));
      } else if (!record || record.status === 'Prepared') {
        // Still coming back after a restart: the source asks again.
        throw new ThingsError(ErrorCodes.BAD_STATE, `process ${e.id} is not back yet on ${agentId}`);
      }
      // Before the entry is done (done entries are pruned one day): the checkpoint must not
      // keep the mark that, without an entry, makes it a copy never answered.
      if (!e.done) {
        await this.settleCheckpoint(e.id);
        journal.update(migrationId, { phase: 'committed', done: true });
      }
      // A repeat long after (the program has ended or moved on since): what is known of it.
      const known = record ?? { agent: agentId, id: e.id, pid: 0, status: 'Exited' as const, name: e.id };
      return { migrationId, record: known, resumedToReplyMs: ms(now() - resumedAt), handlingMs: ms(now() - started) };
    });
  }

  /** The committed copy's checkpoint loses its mark (supervisor.settleCommitted); a failure is
   *  logged, never thrown: the program runs here either way. */
  private settleCheckpoint(id: string): Promise<void> {
    return this.d.supervisor.settleCommitted(id).catch((err: Error) => this.d.log.error(`process ${id}: cannot rewrite its checkpoint after the commit: ${err.message}`));
  }

  abort(migrationId: string, reason = 'aborted by the source'): Promise<AbortResult> {
    return this.lock.run(migrationId, async () => {
      const { journal, supervisor, agentId, log } = this.d;
      this.transfers.delete(migrationId);
      supervisor.dropSpareFor(migrationId);
      const e = journal.get(migrationId);
      if (!e) {
        // A tombstone: a prepare of it arriving late is refused.
        journal.put({ migrationId, role: 'target', id: '-', source: '-', target: agentId, phase: 'aborted', done: true, reason });
        return { migrationId, discarded: false };
      }
      if (e.role !== 'target' || e.phase === 'aborted') return { migrationId, discarded: false };
      if (e.phase === 'committed') throw new ThingsError(ErrorCodes.BAD_STATE, `migration ${migrationId} is committed on ${agentId}`);
      this.stopPoll(migrationId);
      const discarded = await supervisor.discardPrepared(e.id, migrationId);
      if (!discarded) supervisor.forgetPrepared(e.id);
      journal.update(migrationId, { phase: 'aborted', done: true, reason });
      log.info(`process ${e.id}: migration ${migrationId} from ${e.source} aborted (${reason})${discarded ? '; its prepared copy is gone' : ''}`);
      return { migrationId, discarded };
    });
  }

  private abortedError(migrationId: string, reason: string | undefined): ThingsError {
    return new ThingsError(ErrorCodes.MIGRATION_ABORTED, `migration ${migrationId} was aborted on ${this.d.agentId}${reason ? ` (${reason})` : ''}`);
  }

  private schedulePoll(migrationId: string, delay = this.d.settings.statusIntervalMs): void {
    if (this.stopped) return;
    clearTimeout(this.polls.get(migrationId));
    const timer = setTimeout(() => {
      this.polls.delete(migrationId);
      void this.poll(migrationId);
    }, delay);
    timer.unref();
    this.polls.set(migrationId, timer);
  }

  private stopPoll(migrationId: string): void {
    clearTimeout(this.polls.get(migrationId));
    this.polls.delete(migrationId);
  }

  /** No decision has come: ask the source (while it is online). */
  private async poll(migrationId: string): Promise<void> {
    const { journal, presence, requester, settings, log } = this.d;
    const e = journal.get(migrationId);
    if (!e || e.role !== 'target' || e.phase !== 'prepared' || this.stopped) return;
    if (presence.get(e.source)?.status === 'online') {
      try {
        const s = await requester.request(e.source, 'migration-status', { migrationId }, Math.max(2000, Math.min(10_000, settings.statusIntervalMs)));
        if (s.phase === 'committed') {
          log.info(`process ${e.id}: ${e.source} had committed migration ${migrationId}; resuming it here`);
          await this.commit(migrationId);
          return;
        }
        if (s.phase === 'aborted' || s.phase === 'unknown') {
          await this.abort(migrationId, s.phase === 'aborted' ? `${e.source} aborted it${s.reason ? `: ${s.reason}` : ''}` : `${e.source} never decided it`);
          return;
        }
      } catch (err) {
        log.debug(`migration ${migrationId}: no decision from ${e.source} yet (${(err as Error).message})`);
      }
    }
    if (journal.get(migrationId)?.phase === 'prepared') this.schedulePoll(migrationId);
  }
}
