/** What both sides of the migration handoff use (./migration-source.ts, ./migration-target.ts). */
import type { Presence } from '../protocol/presence';
import type { Requester } from '../protocol/requester';
import type { ProgressMessage, ReplyMessage } from '../protocol/messages';
import type { ReplyRoute } from '../protocol/validate';
import type { Faults } from './faults';
import type { Logger } from './logger';
import type { MigrationJournal } from './migration-journal';
import type { Supervisor } from './supervisor';

export interface HandoffSettings {
  /** How long a source waits for its target to be prepared (transfer and restore). */
  migrateTimeoutMs: number;
  /** A message without an answer is sent again after this long, then twice as long... */
  retryMs: number;
  /** ...up to this. */
  retryCapMs: number;
  /** How often a target holding a prepared copy asks its source for the decision. */
  statusIntervalMs: number;
  /** The largest message to publish (chunks below it); read at each migration. */
  maxPacketBytes: () => number;
}

export interface HandoffDeps {
  agentId: string;
  supervisor: Supervisor;
  journal: MigrationJournal;
  requester: Requester;
  presence: Presence;
  faults: Faults;
  log: Logger;
  settings: HandoffSettings;
  /** Publishes to a requester's reply topic (RequestServer.send). */
  send(route: ReplyRoute, message: ReplyMessage | ProgressMessage): Promise<void>;
}

export const now = (): number => performance.now();
export const ms = (x: number): number => Math.max(0, Math.round(x));

/** Runs `fn` after every earlier call with the same key has settled. */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }
}
