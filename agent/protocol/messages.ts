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
  /** Handed over: the program now runs on `migratedTo` under the same id. */
  | 'Migrated'
  | 'Exited'
  | 'Failed'
  | 'Killed';

/** Statuses of a program that still has a child process on this agent. */
export const LIVE_STATUSES: readonly ProcessStatus[] = ['Running', 'Paused', 'Migrating'];

export interface ProcessRecord {
  agent: string;
  id: string;
  pid: number;
  status: ProcessStatus;
  /** Display name of the program: the file's or the directory's basename ("factorial.js"). */
  name: string;
  exitCode?: number | null;
  migratedTo?: string;
  /** Why the program failed, when status is Failed. */
  error?: string;
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
}
export interface MigrateArgs {
  id: string;
  target: string;
  /** How long the source waits for the target's restore reply. */
  timeoutMs?: number;
}

/** Action name → its arguments and its result. The daemon's handler table is typed by it. */
export interface Actions {
  run: { args: RunArgs; result: ProcessRecord };
  pause: { args: ProcessArgs; result: ProcessRecord };
  resume: { args: ProcessArgs; result: ProcessRecord };
  kill: { args: ProcessArgs; result: ProcessRecord };
  snapshot: { args: ProcessArgs; result: { id: string; snapshot: string } };
  restore: { args: RestoreArgs; result: ProcessRecord };
  migrate: { args: MigrateArgs; result: ProcessRecord };
  list: { args: Record<string, never>; result: ProcessRecord[] };
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
}
