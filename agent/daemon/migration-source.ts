/**
 * The source side of a migration: the only side that decides (docs/migration.md).
 *
 *   migrate {id, target}
 *     target online? (else E_AGENT_OFFLINE / E_UNKNOWN_AGENT, program untouched)
 *     capture; the original stays paused (Migrating)
 *     prepare → target (inline, or prepare-begin / -chunk / prepare) ← after-prepare-sent
 *     meanwhile: the capture becomes its checkpoint; journal: preparing ← after-capture
 *       (skipped if the prepared reply came first: the decision is then the first entry)
 *       sent again while unanswered, until migrate_timeout
 *     prepared reply                                              ← after-prepared
 *     journal: committed     THE DECISION                         ← after-commit-decision
 *     the original ends; commit → target, again and again until acknowledged
 *                                                                 ← after-commit-sent
 *     acknowledged: journal done; reply with the target's record  ← after-commit-ack
 *   any error or timeout before the decision:
 *     journal: aborted; the original goes on; abort → target (best effort; a target that
 *     does not hear it asks, see migration-status); reply with the error and its reason
 *
 * A restart finds in the journal what was interrupted: `preparing` (no decision) becomes an
 * abort (the program comes back from its capture, which is its checkpoint); `committed` goes
 * on telling the target, and the original's checkpoint is removed before anything is
 * restored. Either way the client that asked, if it still waits, gets its answer.
 */
import { ErrorCodes, ThingsError, toErrorPayload } from '../shared/errors';
import { newMigrationId } from '../protocol/ids';
import type { CommitResult, ErrorBody, MigrateArgs, MigrateResult, MigratingProgram, MigrationPackage, MigrationProgress, MigrationReport, MigrationStatusResult, MigrationTiming, PrepareChunkArgs, PrepareResult, WarmResult } from '../protocol/messages';
import { PROTOCOL_VERSION } from '../protocol/version';
import { chunkSizeFor, OutgoingTransfer, packageParts, type TransferDigest, type TransferFormat } from '../protocol/transfer';
import { snapshotText, type SnapshotData } from '../snapshot/envelope';
import type { ReplyRoute } from '../protocol/validate';
import type { CheckpointStore } from './checkpoints';
import type { RequestInfo } from './handlers/context';
import { type HandoffDeps, ms, now } from './handoff';
import type { JournalEntry } from './migration-journal';

/** Chunk requests in flight at once (below Mosquitto's default max_inflight_messages, 20). */
const WINDOW = 16;
/** Bytes a request needs besides its package (the rest of the JSON, MQTT headers). */
const ENVELOPE_BYTES = 2048;
/** Test-only (faults.ts `source:persist:slow`): how late the capture's write starts. */
const SLOW_PERSIST_MS = 3000;
/** How often progress is reported during a transfer. */
const PROGRESS_EVERY_MS = 250;
/** Longest wait for the target to start a program host ahead (then the migration goes on
 *  without: the restore starts its own). */
const WARM_WAIT_MS = 5000;

export class MigrationSource {
  private readonly inflight = new Map<string, Promise<MigrateResult>>();
  private readonly committing = new Map<string, Promise<MigrateResult>>();
  /** Found by `recover`, acted on by `start` (once the session exists). */
  private recovered: JournalEntry[] = [];
  private stopped = false;

  constructor(private readonly d: HandoffDeps) {}

  /**
   * Start-up, before any program is restored. A migration with no decision is aborted (its
   * program comes back from the capture, its checkpoint); a committed one's original must
   * never come back, so its checkpoint goes now.
   */
  recover(checkpoints: CheckpointStore): void {
    const { journal, agentId, log } = this.d;
    for (const e of journal.active('source')) {
      if (e.phase === 'preparing') {
        const reason = `${agentId} restarted before it had decided (the target's answer had not come); the program goes on at ${agentId} from its capture`;
        const report: MigrationReport = { migrationId: e.migrationId, outcome: 'aborted', source: agentId, target: e.target, runningOn: agentId, reason, timing: e.timing };
        const error: ErrorBody = { code: ErrorCodes.MIGRATION_ABORTED, message: `migration ${e.migrationId} of process ${e.id} to ${e.target} aborted: ${reason}`, details: { migration: report } };
        this.recovered.push(journal.update(e.migrationId, { phase: 'aborted', done: true, reason, error }));
        log.warn(`process ${e.id}: ${error.message}`);
      } else if (e.phase === 'committed') {
        checkpoints.remove(e.id);
        this.recovered.push(e);
        log.info(`process ${e.id}: migration ${e.migrationId} to ${e.target} was committed; telling ${e.target} again`);
      }
    }
  }

  /** After the session is up: tell targets what was decided, answer clients still waiting. */
  start(): void {
    for (const e of this.recovered) {
      if (e.phase === 'aborted') {
        this.tellAbort(e.target, e.migrationId, e.reason ?? 'aborted');
        if (e.route && e.error) void this.answer(e.route, { ok: false, error: e.error });
      } else {
        this.commitUntilAcked(e.migrationId, e.target, undefined).then(
          (result) => {
            if (e.route) void this.answer(e.route, { ok: true, result });
          },
          () => undefined,
        );
      }
    }
    this.recovered = [];
  }

  stop(): void {
    this.stopped = true;
  }

  /** What the journal says (asked by a target holding a prepared copy, or by thingsctl). */
  status(migrationId: string): MigrationStatusResult {
    const e = this.d.journal.get(migrationId);
    if (!e) return { migrationId, agent: this.d.agentId, phase: 'unknown' };
    return { migrationId, agent: this.d.agentId, role: e.role, phase: e.phase, done: e.done, id: e.id, source: e.source, target: e.target, reason: e.reason };
  }

  /** The `migrate` request. A repeat (same migration id) gets the same outcome. */
  migrate(args: MigrateArgs, info: RequestInfo): Promise<MigrateResult> {
    const migrationId = args.migrationId ?? newMigrationId();
    const running = this.inflight.get(migrationId);
    if (running) return running;
    const known = this.d.journal.get(migrationId);
    if (known) return this.outcomeOf(known);
    const p = this.run(migrationId, args, info).finally(() => this.inflight.delete(migrationId));
    this.inflight.set(migrationId, p);
    return p;
  }

  private async outcomeOf(e: JournalEntry): Promise<MigrateResult> {
    if (e.role !== 'source') throw new ThingsError(ErrorCodes.BAD_REQUEST, `migration ${e.migrationId} is one ${this.d.agentId} is the target of`);
    if (e.done && e.result) return e.result;
    if (e.done && e.error) throw new ThingsError(e.error.code, e.error.message, e.error.details);
    const committing = this.committing.get(e.migrationId);
    if (committing) return committing;
    throw new ThingsError(ErrorCodes.BAD_STATE, `migration ${e.migrationId} is ${e.phase}`);
  }

  private async run(migrationId: string, args: MigrateArgs, info: RequestInfo): Promise<MigrateResult> {
    const { supervisor, journal, presence, faults, log, agentId, settings } = this.d;
    const { id, target } = args;
    if (target === agentId) throw new ThingsError(ErrorCodes.BAD_REQUEST, `process ${id} is already on ${agentId}`);
    const record = supervisor.get(id);
    presence.requireOnline(target);
    const budget = args.timeoutMs ?? settings.migrateTimeoutMs;
    const started = now();
    const progress = (p: Omit<MigrationProgress, 'elapsedMs'>): void => info.progress({ ...p, elapsedMs: ms(now() - started) });

    // The target starts a program host first, while the program still runs: the restore
    // then finds one ready instead of waiting for a Node process to start.
    // Its answer also says whether it takes the package in the binary format.
    const warm = supervisor.hasFiles(id) ? undefined : await this.warmTarget(migrationId, target, record.memoryLimit, Math.min(WARM_WAIT_MS, budget / 4));
    const format: TransferFormat = warm?.transfer?.includes('binary') ? 'binary' : 'json';
    const digest: TransferDigest = !warm?.transfer?.includes('chunk-digests') ? 'whole' : format === 'binary' && warm.transfer.includes('late-digest') ? 'chunks-late' : 'chunks';
    progress({ phase: 'capture' });
    const captureStarted = now();
    const cap = await supervisor.beginMigration(id);
    const timing: MigrationTiming = { captureMs: ms(cap.capturedAt - captureStarted) };
    const route = { replyTo: info.route.replyTo, correlationId: info.route.correlationId, correlationData: info.route.correlationData?.toString('base64') };
    const program: MigratingProgram = {
      id,
      name: record.name,
      paused: cap.wasPaused,
      restart: cap.record.restart,
      restarts: cap.record.restarts,
      memoryLimit: cap.record.memoryLimit,
      outputSeq: cap.record.outputLines,
    };
    const pkg: MigrationPackage = { snapshot: damaged(cap.snapshot, faults.message('source', 'send-prepare', ['corrupt', 'future-format'])), files: cap.files, log: cap.log };
    const sendStarted = now();
    // The capture is made durable (off the event loop) while the package travels and the
    // target restores it: these fsynced writes are out of the program's downtime. (The
    // package may leave before the journal entry exists: a source that crashes before writing
    // it answers "unknown" for this migration, which a target takes as "not committed"; the
    // program then comes back from its previous checkpoint, as after any crash during a
    // capture.) The capture becomes the checkpoint, then the journal says "preparing". The decision
    // does not wait for either: when the target's answer comes first, the entry is written
    // as "committed" at once (the capture is of no use once committed, and the original
    // ends only after the write is done, so that it cannot bring a checkpoint back).
    let decided = false;
    const persisted = (async (): Promise<void> => {
      try {
        if (faults.message('source', 'persist', ['slow'])) await new Promise((resolve) => setTimeout(resolve, SLOW_PERSIST_MS));
        await supervisor.persistCapture(id, cap.snapshot, cap.wasPaused);
        // Off the event loop too: a synchronous write here held up the target's answer.
        if (!decided) await journal.putAsync({ migrationId, role: 'source', id, source: agentId, target, phase: 'preparing', done: false, route, timing });
      } catch (err) {
        throw new ThingsError('E_INTERNAL', `cannot write the capture or the migration journal: ${(err as Error).message}`);
      }
      timing.persistMs = ms(now() - cap.capturedAt);
      log.info(`process ${id}: migrating to ${target} (${cap.snapshot.length} bytes${cap.files ? `, ${Object.keys(cap.files.files).length} files` : ''}; migration ${migrationId})`);
      await faults.step('source', 'after-capture');
    })();
    persisted.catch(() => undefined);
    const preparing = this.sendPrepare(migrationId, target, program, pkg, { format, digest }, started + budget, budget, progress, timing, persisted);
    preparing.catch(() => undefined);

    let prepared: PrepareResult;
    try {
      // With a kill or hold armed at a step the steps keep their order (each case of the
      // fault lab is one of them). Otherwise a failed write before the answer aborts.
      if (faults.holdsSteps('source')) await persisted;
      prepared = await Promise.race([preparing, persisted.then(() => preparing)]);
    } catch (err) {
      decided = true;
      await persisted.catch(() => undefined);
      return this.abortLive(migrationId, id, target, cap.wasPaused, err, timing);
    }
    timing.restoreMs = prepared.restoreMs;
    timing.transferMs = ms(now() - sendStarted - prepared.restoreMs);
    await faults.step('source', 'after-prepared');

    // The decision. From this write on, the program belongs to the target. (A write that
    // fails decides nothing: the journal still says preparing, or nothing, so this is an abort.)
    decided = true;
    // An entry still being written would land after the decision: it goes first.
    await journal.written(migrationId);
    try {
      if (journal.get(migrationId)) journal.update(migrationId, { phase: 'committed', timing });
      else journal.put({ migrationId, role: 'source', id, source: agentId, target, phase: 'committed', done: false, route, timing });
    } catch (err) {
      await persisted.catch(() => undefined);
      return this.abortLive(migrationId, id, target, cap.wasPaused, new ThingsError('E_INTERNAL', `cannot write the commit decision: ${(err as Error).message}`), timing);
    }
    log.info(`process ${id}: migration ${migrationId} committed (${target} prepared it in ${prepared.restoreMs} ms)`);
    await faults.step('source', 'after-commit-decision');
    progress({ phase: 'commit' });

    // A paused program has no last step to measure from.
    const lastStep = cap.wasPaused ? undefined : cap.capturedAt - cap.hostCaptureMs;
    // Not acknowledged in time (or this agent is stopping): the decision stands all the same,
    // the answer says so.
    const acked = this.commitUntilAcked(migrationId, target, lastStep).catch(() => undefined);
    // The commit goes out before the original's host is ended and its files removed.
    await new Promise((resolve) => setImmediate(resolve));
    // The paused original ends while the commit is on its way (it never runs again either way),
    // once its checkpoint's write is over (the original's files go with it).
    await persisted.catch(() => undefined);
    await supervisor.commitMigration(id, target).catch((err: Error) => log.error(`process ${id}: ending the original: ${err.message}`));
    const waitMs = Math.max(1000, budget / 3);
    const result = await Promise.race([acked, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), waitMs).unref())]);
    if (result) return result;
    const reason = `${target} has not acknowledged the commit within ${Math.round(waitMs)} ms; it resumes the program as soon as it hears it (${agentId} keeps telling it, and it asks ${agentId} itself)`;
    log.warn(`process ${id}: migration ${migrationId}: ${reason}`);
    return { ...prepared.record, migration: { migrationId, outcome: 'committed', source: agentId, target, runningOn: target, confirmed: false, reason, timing } };
  }

  /** Asks the target for a host started ahead. Best effort: a target that cannot (an older
   *  agent: E_UNKNOWN_ACTION) or does not answer in time still gets the prepare. */
  private async warmTarget(migrationId: string, target: string, memoryLimit: number | undefined, waitMs: number): Promise<WarmResult | undefined> {
    const { requester, log } = this.d;
    try {
      const r = await requester.request(target, 'warm', { migrationId, memoryLimit }, waitMs);
      log.debug(() => `migration ${migrationId}: ${target} ${r.ready ? `has a program host ready (${r.ms} ms)` : 'could not start a program host ahead'}`);
      return r;
    } catch (err) {
      log.debug(() => `migration ${migrationId}: no host started ahead on ${target} (${(err as Error).message})`);
      return undefined;
    }
  }

  /** Sends the package and the prepare until the target answers or the budget is spent. */
  private async sendPrepare(
    migrationId: string,
    target: string,
    program: MigratingProgram,
    pkg: MigrationPackage,
    wire: { format: TransferFormat; digest: TransferDigest },
    deadline: number,
    budget: number,
    progress: (p: Omit<MigrationProgress, 'elapsedMs'>) => void,
    timing: MigrationTiming,
    persisted: Promise<void>,
  ): Promise<PrepareResult> {
    const { requester, faults, settings, agentId, log } = this.d;
    const { format, digest } = wire;
    const remaining = (): number => {
      const left = deadline - now();
      if (left <= 0) throw new ThingsError(ErrorCodes.TIMEOUT, `agent ${target} was not prepared within ${Math.round(budget)} ms`);
      return left;
    };
    const resend = { resendMs: settings.retryMs, resendCapMs: settings.retryCapMs };
    let sentStep: Promise<void> = Promise.resolve();
    const onSent = (): void => {
      // The fault lab's steps keep their order: this one comes after the capture's write.
      const before = faults.holdsSteps('source') ? persisted.catch(() => undefined) : Promise.resolve();
      sentStep = before.then(() => faults.step('source', 'after-prepare-sent'));
    };
    const base = { migrationId, source: agentId, program };
    const maxPacket = settings.maxPacketBytes();
    // A package that fits in one message goes inline, as JSON. (UTF-8 has at least a byte per
    // UTF-16 unit, and JSON only adds: a snapshot longer than a message needs no JSON text to
    // know that it goes in chunks.)
    const inline = pkg.snapshot.length + ENVELOPE_BYTES <= maxPacket ? { ...pkg, snapshot: snapshotText(pkg.snapshot) } : undefined;
    const json = inline === undefined ? undefined : JSON.stringify(inline);
    if (json !== undefined && Buffer.byteLength(json) + ENVELOPE_BYTES <= maxPacket) {
      timing.bytes = Buffer.byteLength(json);
      timing.chunks = 0;
      progress({ phase: 'transfer', total: timing.bytes });
      const r = await requester.request(target, 'prepare', { ...base, package: inline }, remaining(), { ...resend, onSent });
      await sentStep;
      return r;
    }

    const out = new OutgoingTransfer(format === 'json' && json !== undefined ? json : packageParts(pkg, format), chunkSizeFor(maxPacket, format), digest);
    const total = out.size;
    timing.bytes = total;
    const raw = format === 'binary';
    timing.chunks = out.chunks;
    for (;;) {
      const begun = await requester.request(target, 'prepare-begin', { migrationId, source: agentId, size: out.size, sha256: out.beginSha256, chunks: out.chunks, chunkSize: out.chunkSize, ...(raw ? { format } : {}), ...(out.digest !== 'whole' ? { digest: out.digest } : {}) }, remaining(), resend);
      const have = new Set(begun.received);
      let acked = 0;
      for (const i of have) acked += out.chunkBytes(i);
      const queue: number[] = [];
      for (let i = 0; i < out.chunks; i++) if (!have.has(i)) queue.push(i);
      let lastReport = 0;
      const report = (force = false): void => {
        if (!force && now() - lastReport < PROGRESS_EVERY_MS) return;
        lastReport = now();
        progress({ phase: 'transfer', bytes: acked, total });
      };
      report(true);
      if (begun.received.length > 0) log.info(`migration ${migrationId}: transfer to ${target} resumed (${begun.received.length} of ${out.chunks} chunks were there)`);
      let lost = false;
      // Test-only: a fault may hold the transfer half way (every worker waits at the gate).
      let gate: Promise<void> | undefined;
      const half = Math.ceil(out.chunks / 2);
      const worker = async (): Promise<void> => {
        for (let i = queue.shift(); i !== undefined && !lost; i = queue.shift()) {
          if (gate) await gate;
          const c = out.chunk(i, raw);
          try {
            const args = raw ? { migrationId, index: i, sha256: c.sha256 } : { migrationId, index: i, data: c.data as string, sha256: c.sha256 };
            await requester.request(target, 'prepare-chunk', args as PrepareChunkArgs, remaining(), { ...resend, ...(raw ? { attachment: c.data as Buffer } : {}) });
          } catch (err) {
            // The target no longer has the transfer (it restarted): begin again.
            if ((err as ThingsError).code === ErrorCodes.TRANSFER_INCOMPLETE) {
              lost = true;
              return;
            }
            throw err;
          }
          acked += c.bytes;
          report();
          if (!gate && out.chunks - queue.length >= half) gate = faults.step('source', 'mid-transfer');
        }
      };
      await Promise.all(Array.from({ length: Math.min(WINDOW, Math.max(1, queue.length)) }, worker));
      if (lost) {
        log.info(`migration ${migrationId}: ${target} lost the transfer (it restarted?); beginning it again`);
        continue;
      }
      report(true);
      progress({ phase: 'restore', bytes: total, total });
      try {
        const r = await requester.request(target, 'prepare', { ...base, transfer: { size: out.size, sha256: out.sha256 } }, remaining(), { ...resend, onSent });
        await sentStep;
        return r;
      } catch (err) {
        if ((err as ThingsError).code !== ErrorCodes.TRANSFER_INCOMPLETE) throw err;
        log.info(`migration ${migrationId}: ${target} lost the transfer (it restarted?); beginning it again`);
      }
    }
  }

  /** No decision to commit: abort, the original goes on, the client hears why. */
  private async abortLive(migrationId: string, id: string, target: string, wasPaused: boolean, err: unknown, timing: MigrationTiming): Promise<never> {
    const { journal, supervisor, agentId, log } = this.d;
    const e = toErrorPayload(err);
    const reason = `${e.code}: ${e.message}`;
    const report: MigrationReport = { migrationId, outcome: 'aborted', source: agentId, target, runningOn: agentId, reason, timing };
    const message = `${e.message}; migration ${migrationId} aborted: the program goes on at ${agentId}`;
    const details = { ...(e.details ?? {}), migration: report };
    try {
      journal.update(migrationId, { phase: 'aborted', done: true, reason, error: { code: e.code, message, details }, timing });
    } catch (err) {
      // Still "preparing" on disk: a restart would abort it all the same.
      log.error(`migration ${migrationId}: cannot write the abort in the journal: ${(err as Error).message}`);
    }
    await supervisor.abortMigration(id, wasPaused);
    log.warn(`process ${id}: migration ${migrationId} to ${target} aborted (${reason}); the program goes on here`);
    this.tellAbort(target, migrationId, reason);
    throw new ThingsError(e.code, message, details);
  }

  /** Best effort: a target that does not hear it asks for the decision itself. */
  private tellAbort(target: string, migrationId: string, reason: string): void {
    const { requester, settings, log } = this.d;
    requester
      .request(target, 'abort', { migrationId, reason: reason.slice(0, 500) }, Math.max(settings.retryMs * 4, 5000), { resendMs: settings.retryMs, resendCapMs: settings.retryCapMs })
      .then(
        (r) => log.debug(`migration ${migrationId}: ${target} ${r.discarded ? 'discarded its copy' : 'had no copy'}`),
        (err: Error) => log.debug(`migration ${migrationId}: ${target} did not take the abort (${err.message}); it will ask`),
      );
  }

  /**
   * Tells the target to commit until it acknowledges (the decision is made: only the target
   * can carry it out). `lastStep`: when the program last ran here (performance.now()), for
   * the downtime estimate; undefined after a restart.
   */
  private commitUntilAcked(migrationId: string, target: string, lastStep: number | undefined): Promise<MigrateResult> {
    const existing = this.committing.get(migrationId);
    if (existing) return existing;
    const { requester, journal, faults, settings, log, agentId } = this.d;
    const p = (async (): Promise<MigrateResult> => {
      let delay = settings.retryMs;
      let complained = false;
      for (;;) {
        if (this.stopped) throw new ThingsError(ErrorCodes.BAD_STATE, 'the agent is stopping');
        let sentAt = 0;
        let sentStep: Promise<void> = Promise.resolve();
        let ack: CommitResult;
        try {
          ack = await requester.request(target, 'commit', { migrationId }, Math.max(60_000, settings.retryCapMs * 4), {
            resendMs: settings.retryMs,
            resendCapMs: settings.retryCapMs,
            onPublishing: () => {
              sentAt = now();
            },
            onSent: () => {
              sentStep = faults.step('source', 'after-commit-sent');
            },
          });
        } catch (err) {
          const e = toErrorPayload(err);
          if (e.code !== ErrorCodes.TIMEOUT && !complained) {
            complained = true;
            log.error(`migration ${migrationId}: ${target} did not take the commit (${e.code}: ${e.message}); telling it again`);
          }
          if (e.code !== ErrorCodes.TIMEOUT) {
            await new Promise((r) => setTimeout(r, delay).unref());
            delay = Math.min(delay * 2, settings.retryCapMs);
          }
          continue;
        }
        await sentStep;
        const ackAt = now();
        await faults.step('source', 'after-commit-ack');
        const entry = journal.get(migrationId);
        const timing: MigrationTiming = { ...(entry?.timing ?? { captureMs: 0 }) };
        if (lastStep !== undefined && sentAt > 0) {
          const network = Math.max(0, ackAt - sentAt - ack.handlingMs);
          timing.downtimeMs = ms(ackAt - lastStep - ack.resumedToReplyMs - network / 2);
          // At least 1 ms: the two IPC hops (capture reply, resume reply) are not counted.
          timing.downtimeErrorMs = Math.max(1, ms(network / 2));
        }
        const result: MigrateResult = { ...ack.record, migration: { migrationId, outcome: 'committed', source: agentId, target, runningOn: target, confirmed: true, timing } };
        journal.update(migrationId, { done: true, result, timing });
        log.info(`process ${ack.record.id}: migrated to ${target} (migration ${migrationId}), pid ${ack.record.pid} there${timing.downtimeMs !== undefined ? `, about ${timing.downtimeMs} ms without running` : ''}`);
        return result;
      }
    })();
    this.committing.set(migrationId, p);
    p.finally(() => this.committing.delete(migrationId)).catch(() => undefined);
    return p;
  }

  /** An answer to a client whose request was handled by an earlier run of this agent. */
  private async answer(route: NonNullable<JournalEntry['route']>, body: { ok: true; result: MigrateResult } | { ok: false; error: ErrorBody }): Promise<void> {
    const r: ReplyRoute = { replyTo: route.replyTo, correlationId: route.correlationId, correlationData: route.correlationData ? Buffer.from(route.correlationData, 'base64') : undefined };
    const reply = body.ok
      ? { v: PROTOCOL_VERSION, correlationId: route.correlationId, agent: this.d.agentId, ok: true as const, result: body.result }
      : { v: PROTOCOL_VERSION, correlationId: route.correlationId, agent: this.d.agentId, ok: false as const, error: body.error };
    await this.d.send(r, reply).catch(() => undefined);
  }
}

/** Test-only damage to a snapshot (./faults.ts): a target must refuse it. */
function damaged(data: SnapshotData, fault: string | undefined): SnapshotData {
  if (fault === undefined) return data;
  const snapshot = snapshotText(data);
  if (fault === 'corrupt') {
    // A character of the body changed: the content hash no longer matches.
    const i = snapshot.length - 10;
    return snapshot.slice(0, i) + (snapshot[i] === '1' ? '2' : '1') + snapshot.slice(i + 1);
  }
  if (fault === 'future-format') return snapshot.replace(/^\{"format":"thingsjs-snapshot","version":\d+/, '{"format":"thingsjs-snapshot","version":99');
  return snapshot;
}
