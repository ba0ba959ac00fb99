/**
 * The JSON payloads of the protocol. Every message carries `v` (PROTOCOL_VERSION).
 *
 * A request names an action and carries its own correlation id and reply topic in the
 * payload, so it works on MQTT 3.1.1; on MQTT 5 the same two values also travel as the
 * responseTopic / correlationData properties (the agent prefers the properties when present).
 */

export type ProcessStatus =
  | 'Running'
  | 'Paused'
  /** Captured and being handed to another agent; the original is paused meanwhile. */
  | 'Migrating'
  /** The target's copy of a program being migrated here: restored, paused, waiting for the
   *  source's decision (commit: it goes on here; abort: it is discarded). */
  | 'Prepared'
  /** Handed over: the program now runs on `migratedTo` under the same id. */
  | 'Migrated'
  | 'Exited'
  | 'Failed'
  | 'Killed'
  /** Failed, and its restart policy (on-failure) brings it back after a backoff delay; it
   *  has no child process meanwhile. */
  | 'Restarting';

/** Statuses of a program that lives on this agent (a child process, or one coming back). */
export const LIVE_STATUSES: readonly ProcessStatus[] = ['Running', 'Paused', 'Migrating', 'Prepared', 'Restarting'];

/** What the agent does when a program fails (a non-zero exit, an uncaught exception, a
 *  signal, its memory limit): `never` leaves it Failed; `on-failure` restarts it after a
 *  backoff (1 s, doubling, capped at 60 s), from its last checkpoint when it has one, else
 *  from the start. */
export type RestartPolicy = 'never' | 'on-failure';
export const RESTART_POLICIES: readonly RestartPolicy[] = ['never', 'on-failure'];

/** Resource use of a process, sampled by the agent (Linux /proc). */
export interface ProcessStats {
  /** CPU time over the last sampling window, in percent of one core. */
  cpu: number;
  /** Resident set size in bytes. */
  rss: number;
}

export interface ProcessRecord {
  agent: string;
  id: string;
  pid: number;
  status: ProcessStatus;
  /** Display name of the program: the file's or the directory's basename ("factorial.js"). */
  name: string;
  exitCode?: number | null;
  migratedTo?: string;
  /** Why the program failed (status Failed, or Restarting after a failure). */
  error?: string;
  /** Stable code of that failure: E_PROGRAM_FAILED (exit code, uncaught exception, signal),
   *  E_MEMORY_LIMIT (over its memory limit), E_RESTORE_FAILED (could not be brought back). */
  errorCode?: string;
  /** The last lines the program printed before it failed (stdout and stderr, in order). */
  lastOutput?: string[];
  /** Restart policy (absent: never). */
  restart?: RestartPolicy;
  /** How many times the agent restarted it after a failure. */
  restarts?: number;
  /** Memory limit in bytes (resident set size), if any. */
  memoryLimit?: number;
  /** How its current process began: from the program (`start`), from this agent's
   *  checkpoint (`checkpoint`: after an agent restart or a program restart), or from a
   *  snapshot sent to it (`snapshot`: a migration, `dispatch restore`). */
  startedFrom?: 'start' | 'checkpoint' | 'snapshot';
  /** Lines of output so far, over its whole life (migrations included): the `seq` of its
   *  last output message. */
  outputLines?: number;
  /** Latest sample (live processes only). */
  stats?: ProcessStats;
}

/** Retained on `agentStatus(id)`; the Last Will replaces it with {status:'offline'}. */
export interface AgentStatus {
  v: number;
  id: string;
  status: 'online' | 'offline';
  pid?: number;
  node?: string;
  version?: string;
  processes?: ProcessRecord[];
  /** The agent's own resource use (its programs not included), refreshed every stats
   *  interval together with its programs' `stats`. */
  stats?: ProcessStats & { uptime: number };
}

/**
 * A program directory in a request (`run`, and `restore` during a migration); checked and
 * written by ./file-tree.ts. Paths are relative, '/'-separated and stay inside the tree.
 */
export interface FileTree {
  /** Path of the main module (package.json "main" or index.js, resolved by the sender). */
  main: string;
  /** Path → content: UTF-8 text, or base64 for the paths listed in `base64`. */
  files: Record<string, string>;
  /** Files whose content is not UTF-8 text (images, .wasm...). */
  base64?: string[];
}

/** Exactly one of `source` (a program of one file) and `files` (a directory). */
export interface RunArgs {
  name: string;
  source?: string;
  files?: FileTree;
  args?: string[];
  /** Default: never. */
  restart?: RestartPolicy;
  /** Bytes; default: the agent's memory_limit. */
  memoryLimit?: number;
}
export interface ProcessArgs {
  id: string;
}
export interface RestoreArgs {
  snapshot: string;
  /** Keep this process id (migration); a fresh one is made when absent. */
  id?: string;
  name?: string;
  /** Rebuild without running any callback until `resume` (a prepared handoff). */
  paused?: boolean;
  /** The program's files (a directory program being migrated): written on this agent
   *  before the restore, so that modules it requires later load here. */
  files?: FileTree;
  /** The program's settings, kept across a migration. */
  restart?: RestartPolicy;
  restarts?: number;
  memoryLimit?: number;
  /** Lines the program printed so far (its output `seq` goes on from there). */
  outputSeq?: number;
  /** The tail of its log on the source (lines as in the log file), to start the log here. */
  log?: string[];
}
export interface MigrateArgs {
  id: string;
  target: string;
  /** How long the source waits for the target to be prepared (transfer and restore); the
   *  commit's acknowledgement is then awaited for a third of it more. */
  timeoutMs?: number;
  /** Chosen by the client, so that it can ask about the migration later
   *  (`migration-status`) and so that a repeated request is not a second migration. The
   *  source makes one when absent. */
  migrationId?: string;
}

/** How a migration went, in the reply to `migrate` (and in its error's details). */
export interface MigrationReport {
  migrationId: string;
  /** committed: the program runs on the target now; aborted: it goes on at the source. */
  outcome: 'committed' | 'aborted';
  source: string;
  target: string;
  /** Where the one copy of the program runs now. */
  runningOn: string;
  /** Why it was aborted, or what is still pending after a commit. */
  reason?: string;
  /** The target acknowledged the commit (false: the decision is made, the target resumes
   *  the program when it hears it; the source keeps telling it). */
  confirmed?: boolean;
  timing?: MigrationTiming;
}

/**
 * Durations of one migration, each measured on one machine's monotonic clock (device clocks
 * are never compared; see docs/migration.md).
 */
export interface MigrationTiming {
  /** Source: capture request sent → snapshot in hand (the program is paused from here). */
  captureMs: number;
  /** Source: journal and package written to disk. */
  persistMs?: number;
  /** Source: first byte sent → the target's prepared reply, less the target's own restore. */
  transferMs?: number;
  /** Target: prepare received (whole) → the paused copy is ready (checkpoint written, program
   *  host started and restored). */
  restoreMs?: number;
  bytes?: number;
  chunks?: number;
  /** The program's last step on the source → its first step on the target, estimated from
   *  the durations above; ± `downtimeErrorMs` (half the commit's network round trip). */
  downtimeMs?: number;
  downtimeErrorMs?: number;
}

export type MigrateResult = ProcessRecord & { migration?: MigrationReport };

/** The settings of a program that travel with it. */
export interface MigratingProgram {
  id: string;
  name: string;
  /** The original's state when captured: the target's copy resumes to it on commit. */
  paused: boolean;
  restart?: RestartPolicy;
  restarts?: number;
  memoryLimit?: number;
  outputSeq?: number;
}

/** The bulky part of a prepare: inline, or sent in chunks (prepare-begin / prepare-chunk). */
export interface MigrationPackage {
  /** Text in a JSON message; in a binary transfer's package (./transfer.ts), the UTF-8 bytes
   *  of that text, as they came. */
  snapshot: string | Buffer;
  files?: FileTree;
  log?: string[];
}

/** Source → target: restore this program paused and hold it until commit or abort. */
export interface PrepareArgs {
  migrationId: string;
  /** The source agent (asked for the decision when it does not come). */
  source: string;
  program: MigratingProgram;
  /** Inline package (a small program)... */
  package?: MigrationPackage;
  /** ...or the one sent in chunks, checked against this. */
  transfer?: { size: number; sha256: string };
}
export interface PrepareResult {
  migrationId: string;
  record: ProcessRecord;
  /** Target: prepare received → paused copy ready. */
  restoreMs: number;
}

/** Source → target, before the capture: start a program host now, so that the restore
 *  does not wait for a Node process to start (out of the program's downtime). Harmless
 *  when lost, repeated, or never followed by a prepare (the host ends unused). */
export interface WarmArgs {
  migrationId: string;
  /** The program's memory limit (bytes): the host is started with it. */
  memoryLimit?: number;
}
export interface WarmResult {
  migrationId: string;
  /** False when no host could be started (the restore starts its own). */
  ready: boolean;
  /** Target: warm received → host ready. */
  ms: number;
  /** What the target's transfer accepts beyond the first protocol: 'binary' — a package
   *  framed as header line + snapshot text, its chunks as raw bytes (see PrepareBeginArgs). */
  transfer?: string[];
}

export interface PrepareBeginArgs {
  migrationId: string;
  source: string;
  /** Bytes of the package's text (UTF-8), its hash, and how it is cut. */
  size: number;
  sha256: string;
  chunks: number;
  chunkSize: number;
  /** 'json' (absent): the package as one JSON text, chunks in base64. 'binary' (a target
   *  whose warm answer offered it): the package's other fields as one JSON line, then the
   *  snapshot text as it is, and each chunk's bytes sent raw after its request (no base64,
   *  no JSON escaping of the snapshot: ~40 % less work on each side for a 13 MB package). */
  format?: 'json' | 'binary';
  /** What `sha256` is of: 'whole' (absent), the package's bytes; 'chunks' (a target whose
   *  warm answer offered `chunk-digests`), the chunks' sha256 digests (32 bytes each, in
   *  order): each side then hashes the package's bytes once, chunk by chunk. 'chunks-late'
   *  (a target that also offered `late-digest`, binary packages): as 'chunks', but that
   *  sha256 comes with the prepare (PrepareArgs.transfer); `sha256` here is the snapshot's own
   *  (its envelope's), which names the transfer. */
  digest?: 'whole' | 'chunks' | 'chunks-late';
}
/** The chunks the target holds already (a transfer resumed after a lost message). */
export interface PrepareBeginResult {
  migrationId: string;
  received: number[];
}
export interface PrepareChunkArgs {
  migrationId: string;
  index: number;
  /** The chunk's bytes: base64 in the message (format 'json'), or the request's binary
   *  attachment (format 'binary'; validate.ts puts it here). */
  data: string | Buffer;
  /** sha256 (hex) of the chunk's bytes. */
  sha256: string;
}
export interface PrepareChunkResult {
  migrationId: string;
  index: number;
}

export interface MigrationIdArgs {
  migrationId: string;
}
export interface CommitResult {
  migrationId: string;
  record: ProcessRecord;
  /** Target: the program resumed → this reply sent. */
  resumedToReplyMs: number;
  /** Target: commit received → this reply sent. */
  handlingMs: number;
}
export interface AbortResult {
  migrationId: string;
  /** What the target did: discarded its prepared copy, or had none. */
  discarded: boolean;
}

/** What an agent's journal says of a migration. `unknown`: it never heard of it (or forgot
 *  it long after it ended) — for a source that means it was never committed, because the
 *  source writes its decision before telling anyone. */
export type MigrationPhase = 'preparing' | 'prepared' | 'committed' | 'aborted' | 'unknown';
export interface MigrationStatusResult {
  migrationId: string;
  agent: string;
  role?: 'source' | 'target';
  phase: MigrationPhase;
  /** The decision is carried out (the other side acknowledged it, or it needs nothing). */
  done?: boolean;
  id?: string;
  source?: string;
  target?: string;
  reason?: string;
}

/**
 * Progress of a long request, published on the requester's reply topic with the request's
 * correlation id before the reply itself (it has no `ok` field).
 */
export interface ProgressMessage {
  v: number;
  correlationId: string;
  agent: string;
  progress: MigrationProgress;
}
export interface MigrationProgress {
  phase: 'capture' | 'transfer' | 'restore' | 'commit';
  /** Bytes of the package the target acknowledged so far, and the total. */
  bytes?: number;
  total?: number;
  elapsedMs: number;
}

/** Action name → its arguments and its result. The daemon's handler table is typed by it. */
export interface Actions {
  run: { args: RunArgs; result: ProcessRecord };
  pause: { args: ProcessArgs; result: ProcessRecord };
  resume: { args: ProcessArgs; result: ProcessRecord };
  kill: { args: ProcessArgs; result: ProcessRecord };
  snapshot: { args: ProcessArgs; result: { id: string; snapshot: string } };
  restore: { args: RestoreArgs; result: ProcessRecord };
  migrate: { args: MigrateArgs; result: MigrateResult };
  // The handoff between agents (docs/migration.md); thingsctl uses migration-status too.
  warm: { args: WarmArgs; result: WarmResult };
  prepare: { args: PrepareArgs; result: PrepareResult };
  'prepare-begin': { args: PrepareBeginArgs; result: PrepareBeginResult };
  'prepare-chunk': { args: PrepareChunkArgs; result: PrepareChunkResult };
  commit: { args: MigrationIdArgs; result: CommitResult };
  abort: { args: MigrationIdArgs & { reason?: string }; result: AbortResult };
  'migration-status': { args: MigrationIdArgs; result: MigrationStatusResult };
  list: { args: Record<string, never>; result: ProcessRecord[] };
  logs: { args: LogsArgs; result: LogsResult };
}

export interface LogsArgs {
  id: string;
  /** Only the last `tail` lines. */
  tail?: number;
}
/** A program's log, kept by the agent that holds it (bounded, see program-logs.ts). */
export interface LogsResult {
  id: string;
  agent: string;
  /** Oldest first, one per output line: `<ISO time> <out|err> <text>`. */
  lines: string[];
  /** The `seq` of the last line printed so far (output messages with a higher seq come
   *  after these lines), when the program is known to the agent. */
  seq?: number;
  /** Older lines were dropped (rotation, or the reply size bound). */
  truncated: boolean;
}
export type ActionName = keyof Actions;

export interface RequestMessage<A extends ActionName = ActionName> {
  v: number;
  correlationId: string;
  replyTo: string;
  action: A;
  args: Actions[A]['args'];
}

export interface ErrorBody {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

export type ReplyMessage =
  | { v: number; correlationId: string; agent: string; ok: true; result: unknown }
  | { v: number; correlationId: string | null; agent: string; ok: false; error: ErrorBody };

/** Published on `processOutput(id)`, one message per line (the newline included). */
export interface OutputMessage {
  v: number;
  agent: string;
  id: string;
  stream: 'stdout' | 'stderr';
  /** Only on the marker line the agent puts where output was lost: how many lines went
   *  (held while the broker was unreachable, over the agent's limit). `data` says it too. */
  dropped?: number;
  data: string;
  /** 1, 2, 3... over the program's life, across migrations and agent restarts (after a
   *  restore from an older checkpoint the numbers of the replayed lines repeat). */
  seq?: number;
}
