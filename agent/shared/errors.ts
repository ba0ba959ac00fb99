/**
 * Errors with a stable code. Every error a user or a remote client can see is a
 * ThingsError: `code` never changes between releases (scripts match on it), `message`
 * says what went wrong and what to do.
 */
export class ThingsError extends Error {
  readonly code: string;
  readonly details?: Record<string, unknown>;
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'ThingsError';
    this.code = code;
    if (details) this.details = details;
  }
  toJSON(): { code: string; message: string; details?: Record<string, unknown> } {
    return this.details ? { code: this.code, message: this.message, details: this.details } : { code: this.code, message: this.message };
  }
}

/** Stable error codes. Add, never rename. */
export const ErrorCodes = {
  // request / protocol
  BAD_REQUEST: 'E_BAD_REQUEST',
  UNKNOWN_ACTION: 'E_UNKNOWN_ACTION',
  UNKNOWN_PROCESS: 'E_UNKNOWN_PROCESS',
  UNKNOWN_AGENT: 'E_UNKNOWN_AGENT',
  AGENT_OFFLINE: 'E_AGENT_OFFLINE',
  BROKER_UNREACHABLE: 'E_BROKER_UNREACHABLE',
  /** The broker refused (credentials, or an ACL that does not allow a publish). */
  NOT_AUTHORIZED: 'E_NOT_AUTHORIZED',
  TIMEOUT: 'E_TIMEOUT',
  BAD_STATE: 'E_BAD_STATE',
  /** A program directory holds what cannot travel (a native addon, a symlink leaving it). */
  UNSUPPORTED: 'E_UNSUPPORTED',
  /** A program directory is over the file tree limits (agent/protocol/file-tree.ts). */
  TOO_LARGE: 'E_TOO_LARGE',
  // programs
  PARSE: 'E_PARSE',
  RESERVED_NAME: 'E_RESERVED_NAME',
  ALREADY_INSTRUMENTED: 'E_ALREADY_INSTRUMENTED',
  UNSUPPORTED_SYNTAX: 'E_UNSUPPORTED_SYNTAX',
  // capture / restore
  NOT_CAPTURABLE: 'E_NOT_CAPTURABLE',
  SNAPSHOT_CORRUPT: 'E_SNAPSHOT_CORRUPT',
  SNAPSHOT_VERSION: 'E_SNAPSHOT_VERSION',
  RESTORE_FAILED: 'E_RESTORE_FAILED',
  CHILD_FAILED: 'E_CHILD_FAILED',
  // migration handoff
  /** The handoff was abandoned (the source restarted before it decided, the target was told
   *  to discard its copy...): the program goes on at the source. */
  MIGRATION_ABORTED: 'E_MIGRATION_ABORTED',
  /** A chunked transfer that the target does not hold (it restarted) or holds incomplete. */
  TRANSFER_INCOMPLETE: 'E_TRANSFER_INCOMPLETE',
  // config
  CONFIG: 'E_CONFIG',
} as const;
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** Turns anything thrown into the {code, message} pair sent over the wire. */
export function toErrorPayload(err: unknown): { code: string; message: string; details?: Record<string, unknown> } {
  if (err instanceof ThingsError) return err.toJSON();
  if (err && typeof err === 'object' && typeof (err as { code?: unknown }).code === 'string' && String((err as { code: string }).code).startsWith('E_')) {
    return { code: (err as { code: string }).code, message: String((err as { message?: unknown }).message ?? err) };
  }
  return { code: 'E_INTERNAL', message: err instanceof Error ? err.message : String(err) };
}
