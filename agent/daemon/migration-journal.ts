/**
 * The migration journal: what this agent has promised about each handoff, on disk before it
 * acts on it, so that a restart (a crash, a power cut) carries on where it stopped. In
 * <state_dir>/migrations/:
 *
 *   <migrationId>.json      one entry (below), rewritten at every change of phase
 *
 * The snapshot is not here: on the source the capture is the program's checkpoint (a
 * restart brings the original back from exactly there), on the target the prepared copy's
 * checkpoint holds it (./checkpoints.ts).
 *
 * Phases (docs/migration.md has the diagram):
 *   source  preparing → committed | aborted     the decision is the write of committed
 *   target  prepared  → committed | aborted     or aborted
 * `done` means the decision has been carried out on both sides as far as this agent can
 * tell (the target acknowledged the commit; an abort needs no acknowledgement). Done entries
 * stay as a bounded history (HISTORY newest), so that a late or repeated message about a
 * finished migration is answered with its outcome rather than acted on again.
 *
 * Every write is write → fsync → rename → fsync(dir) (StateDir.writeDurably).
 */
import fs from 'node:fs';
import path from 'node:path';
import { isMigrationId } from '../protocol/ids';
import type { ErrorBody, MigrateResult, MigratingProgram, MigrationTiming } from '../protocol/messages';
import type { StateDir } from './state-dir';
import type { Logger } from './logger';

export const JOURNAL_FORMAT = 'thingsjs-migration';
/** Finished migrations remembered. */
const HISTORY = 200;

export type JournalRole = 'source' | 'target';
export type JournalPhase = 'preparing' | 'prepared' | 'committed' | 'aborted';

export interface JournalEntry {
  format: typeof JOURNAL_FORMAT;
  version: 1;
  migrationId: string;
  role: JournalRole;
  /** The process id. */
  id: string;
  source: string;
  target: string;
  phase: JournalPhase;
  done: boolean;
  createdAt: string;
  updatedAt: string;
  /** Why it was aborted. */
  reason?: string;
  /** Source: the program's settings at the capture (a restart restores the original with
   *  them); `main`: a directory program's main module. */
  program?: MigratingProgram & { main?: string };
  /** Source: where the client's `migrate` request wants its answer, so that a source that
   *  restarted can still give it. */
  route?: { replyTo: string; correlationId: string; correlationData?: string };
  /** Source: the answer given (a repeated `migrate` gets it again). */
  result?: MigrateResult;
  error?: ErrorBody;
  timing?: MigrationTiming;
}

export class MigrationJournal {
  private readonly entries = new Map<string, JournalEntry>();

  constructor(
    private readonly stateDir: StateDir,
    private readonly log: Logger,
  ) {}

  get dir(): string {
    return path.join(this.stateDir.path, 'migrations');
  }

  /** Creates the directory and reads every entry (a damaged one is set aside and logged). */
  start(): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    for (const name of fs.readdirSync(this.dir)) {
      const file = path.join(this.dir, name);
      if (/\.tmp-\d+$/.test(name)) {
        fs.rmSync(file, { force: true });
        continue;
      }
      const m = /^(.+)\.json$/.exec(name);
      if (!m) continue;
      try {
        const e = JSON.parse(fs.readFileSync(file, 'utf8')) as JournalEntry;
        if (!e || e.format !== JOURNAL_FORMAT || e.migrationId !== m[1] || !isMigrationId(e.migrationId)) throw new Error('not a migration journal entry');
        this.entries.set(e.migrationId, e);
      } catch (err) {
        this.log.error(`migration journal ${file} is damaged (${(err as Error).message}); kept as ${file}.corrupt`);
        fs.renameSync(file, `${file}.corrupt`);
      }
    }
  }

  get(migrationId: string): JournalEntry | undefined {
    const e = this.entries.get(migrationId);
    return e && { ...e };
  }

  /** Entries not done, of one role. */
  active(role: JournalRole): JournalEntry[] {
    return [...this.entries.values()].filter((e) => e.role === role && !e.done).map((e) => ({ ...e }));
  }

  /** The entry of a migration of process `id` in which this agent plays `role`, not done. */
  activeFor(role: JournalRole, id: string): JournalEntry | undefined {
    return this.active(role).find((e) => e.id === id);
  }

  /** Durably writes a new entry or a change to one. */
  put(entry: NewEntry): JournalEntry {
    const e = stamped(entry);
    this.stateDir.writeDurably(this.file(e.migrationId), JSON.stringify(e));
    this.entries.set(e.migrationId, e);
    if (e.done) this.prune();
    return { ...e };
  }

  /**
   * `put` off the event loop: the entry is current in memory at once, on disk when the
   * promise resolves. Writes of one migration run one after the other, each writing the entry
   * as it is then; a synchronous write of that migration must wait for `written` first, or an
   * older entry could land after it.
   */
  putAsync(entry: NewEntry): Promise<void> {
    const e = stamped(entry);
    this.entries.set(e.migrationId, e);
    const id = e.migrationId;
    const write = this.written(id).then(() => {
      const current = this.entries.get(id);
      return current ? this.stateDir.writeDurablyAsync(this.file(id), JSON.stringify(current)) : undefined;
    });
    const settled = write.catch(() => undefined);
    this.writing.set(id, settled);
    void settled.then(() => {
      if (this.writing.get(id) === settled) this.writing.delete(id);
    });
    return write;
  }

  /** Resolves when no `putAsync` of this migration is under way (whatever its outcome). */
  written(migrationId: string): Promise<void> {
    return this.writing.get(migrationId) ?? Promise.resolve();
  }
  private readonly writing = new Map<string, Promise<void>>();

  /** Changes fields of an existing entry (durably). */
  update(migrationId: string, patch: Partial<JournalEntry>): JournalEntry {
    const e = this.entries.get(migrationId);
    if (!e) throw new Error(`no journal entry for migration ${migrationId}`);
    return this.put({ ...e, ...patch });
  }

  /** Removes an entry that promised nothing to anyone (a target's copy that was never
   *  acknowledged and is gone): a repeated prepare starts it afresh. */
  forget(migrationId: string): void {
    this.entries.delete(migrationId);
    fs.rmSync(this.file(migrationId), { force: true });
  }

  private file(migrationId: string): string {
    return path.join(this.dir, `${migrationId}.json`);
  }

  /** Keeps the HISTORY most recent done entries. */
  private prune(): void {
    // ISO timestamps order by code unit (localeCompare would load ICU collation data).
    const done = [...this.entries.values()].filter((e) => e.done).sort((a, b) => (a.updatedAt < b.updatedAt ? -1 : a.updatedAt > b.updatedAt ? 1 : 0));
    for (const e of done.slice(0, Math.max(0, done.length - HISTORY))) {
      this.entries.delete(e.migrationId);
      fs.rmSync(this.file(e.migrationId), { force: true });
    }
  }
}

type NewEntry = Omit<JournalEntry, 'format' | 'version' | 'createdAt' | 'updatedAt'> & { createdAt?: string };

/** The entry as it is written: format, version and times. */
function stamped(entry: NewEntry): JournalEntry {
  const now = new Date().toISOString();
  return { format: JOURNAL_FORMAT, version: 1, ...entry, createdAt: entry.createdAt ?? now, updatedAt: now };
}
