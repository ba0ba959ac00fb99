/**
 * Parsing of untrusted payloads. Nothing here throws on bad input: request parsing returns
 * whatever could be salvaged (the reply topic above all) together with the error, so the
 * agent can still answer a malformed request.
 */
import { ThingsError } from '../shared/errors';
import { isMigrationId, isProcessId } from './ids';
import { PROTOCOL_VERSION } from './version';
import { isTopicLevel } from './topics';
import { checkFileTree } from './file-tree';
import { RESTART_POLICIES, type ActionName, type Actions, type MigratingProgram, type MigrationPackage, type RequestMessage, type RestartPolicy } from './messages';

/** `attachment`: the bytes after the request's JSON (parseRequest), for the one action that
 *  takes them (prepare-chunk). */
type Validator<A extends ActionName> = (args: Record<string, unknown>, attachment?: Buffer) => Actions[A]['args'];

const bad = (message: string): ThingsError => new ThingsError('E_BAD_REQUEST', message);

/** A value quoted in an error message, cut short: replies must not echo a megabyte. */
export function preview(v: unknown, max = 80): string {
  let s: string;
  try {
    s = v === undefined ? 'undefined' : JSON.stringify(v);
  } catch {
    s = Array.isArray(v) ? '[...]' : '{...}'; // too deep to print
  }
  return s.length > max ? `${s.slice(0, max)}... (${s.length} characters)` : s;
}

function processId(args: Record<string, unknown>, key = 'id'): string {
  const v = args[key];
  if (!isProcessId(v)) throw bad(`args.${key} must be a process id (8 characters [A-Za-z0-9]), got ${preview(v)}`);
  return v;
}

function str(args: Record<string, unknown>, key: string): string {
  const v = args[key];
  if (typeof v !== 'string' || v === '') throw bad(`args.${key} must be a non-empty string`);
  return v;
}

function optional<T>(args: Record<string, unknown>, key: string, check: (v: unknown) => v is T, what: string): T | undefined {
  const v = args[key];
  if (v === undefined) return undefined;
  if (!check(v)) throw bad(`args.${key} must be ${what}`);
  return v;
}

/** A program's name is a file name (it becomes one on the agent): no directories. */
function programName(args: Record<string, unknown>, required: boolean): string | undefined {
  const v = args.name;
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'string' || v === '' || v === '.' || v === '..' || /[/\\\0]/.test(v) || v.length > 255) {
    throw bad(`args.name must be a file name (no '/', '\\', NUL, '.' or '..'; at most 255 characters), got ${preview(v)}`);
  }
  return v;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);
const isPositive = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isPolicy = (v: unknown): v is RestartPolicy => typeof v === 'string' && (RESTART_POLICIES as readonly string[]).includes(v);
/** A memory limit: whole bytes, at least 16 MiB (below that no Node.js process starts). */
const isMemoryLimit = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 16 * 1024 * 1024;
const POLICY = `one of ${RESTART_POLICIES.join(', ')}`;
const LIMIT = 'a number of bytes of at least 16 MiB (16777216)';

function migrationId(args: Record<string, unknown>): string {
  const v = args.migrationId;
  if (!isMigrationId(v)) throw bad(`args.migrationId must be a migration id (8 to 64 characters [A-Za-z0-9_-]), got ${preview(v)}`);
  return v;
}

function agentIdArg(args: Record<string, unknown>, key: string): string {
  const v = str(args, key);
  if (!isTopicLevel(v)) throw bad(`args.${key} ${preview(v)} is not a valid agent id`);
  return v;
}

function object(args: Record<string, unknown>, key: string): Record<string, unknown> {
  const v = args[key];
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw bad(`args.${key} must be an object`);
  return v as Record<string, unknown>;
}

const isSha256 = (v: unknown): v is string => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);

function migratingProgram(a: Record<string, unknown>): MigratingProgram {
  const p = object(a, 'program');
  const paused = p.paused;
  if (typeof paused !== 'boolean') throw bad('args.program.paused must be a boolean');
  const sub = (key: string): string => `program.${key}`;
  const one = <T>(key: string, check: (v: unknown) => v is T, what: string): T | undefined => {
    const v = p[key];
    if (v === undefined) return undefined;
    if (!check(v)) throw bad(`args.${sub(key)} must be ${what}`);
    return v;
  };
  const id = p.id;
  if (!isProcessId(id)) throw bad(`args.program.id must be a process id (8 characters [A-Za-z0-9]), got ${preview(id)}`);
  return {
    id,
    name: programName(p, true) as string,
    paused,
    restart: one('restart', isPolicy, POLICY),
    restarts: one('restarts', isCount, 'a whole number of 0 or more'),
    memoryLimit: one('memoryLimit', isMemoryLimit, LIMIT),
    outputSeq: one('outputSeq', isCount, 'a whole number of 0 or more'),
  };
}

/** The package of a prepare (inline, or reassembled from chunks: the same check). */
export function checkMigrationPackage(v: unknown, where = 'args.package'): MigrationPackage {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw bad(`${where} must be an object`);
  const p = v as Record<string, unknown>;
  // (Bytes only from a binary transfer's package: JSON makes no Buffer.)
  if ((typeof p.snapshot !== 'string' && !Buffer.isBuffer(p.snapshot)) || p.snapshot.length === 0) throw bad(`${where}.snapshot must be a non-empty string`);
  if (p.log !== undefined && !isStringArray(p.log)) throw bad(`${where}.log must be an array of strings`);
  return { snapshot: p.snapshot, files: p.files === undefined ? undefined : checkFileTree(p.files), log: p.log as string[] | undefined };
}

/** One validator per action: the table also defines which actions exist. */
const validators: { [A in ActionName]: Validator<A> } = {
  // An empty program is a valid program, so source may be ''.
  run: (a) => {
    const name = programName(a, true) as string;
    const args = optional(a, 'args', isStringArray, 'an array of strings');
    const restart = optional(a, 'restart', isPolicy, POLICY);
    const memoryLimit = optional(a, 'memoryLimit', isMemoryLimit, LIMIT);
    if (a.files === undefined) {
      if (typeof a.source !== 'string') throw bad('args.source must be a string (a program file), or args.files a file tree (a program directory)');
      return { name, source: a.source, args, restart, memoryLimit };
    }
    if (a.source !== undefined) throw bad('args.source and args.files exclude each other: a program is one file or one directory');
    return { name, files: checkFileTree(a.files), args, restart, memoryLimit };
  },
  pause: (a) => ({ id: processId(a) }),
  resume: (a) => ({ id: processId(a) }),
  kill: (a) => ({ id: processId(a) }),
  snapshot: (a) => ({ id: processId(a) }),
  restore: (a) => ({
    snapshot: str(a, 'snapshot'),
    id: a.id === undefined ? undefined : processId(a),
    name: programName(a, false),
    paused: optional(a, 'paused', isBool, 'a boolean'),
    files: a.files === undefined ? undefined : checkFileTree(a.files),
    restart: optional(a, 'restart', isPolicy, POLICY),
    restarts: optional(a, 'restarts', isCount, 'a whole number of 0 or more'),
    memoryLimit: optional(a, 'memoryLimit', isMemoryLimit, LIMIT),
    outputSeq: optional(a, 'outputSeq', isCount, 'a whole number of 0 or more'),
    log: optional(a, 'log', isStringArray, 'an array of strings'),
  }),
  migrate: (a) => {
    const target = agentIdArg(a, 'target');
    return { id: processId(a), target, timeoutMs: optional(a, 'timeoutMs', isPositive, 'a positive number'), migrationId: a.migrationId === undefined ? undefined : migrationId(a) };
  },
  warm: (a) => ({ migrationId: migrationId(a), memoryLimit: optional(a, 'memoryLimit', isPositive, 'a positive number') }),
  prepare: (a) => {
    const program = migratingProgram(a);
    const out = { migrationId: migrationId(a), source: agentIdArg(a, 'source'), program };
    if ((a.package === undefined) === (a.transfer === undefined)) throw bad('args.package (inline) or args.transfer (sent in chunks): exactly one');
    if (a.package !== undefined) return { ...out, package: checkMigrationPackage(a.package) };
    const t = object(a, 'transfer');
    if (!isCount(t.size) || !isSha256(t.sha256)) throw bad('args.transfer must be { size: bytes, sha256: 64 hex digits }');
    return { ...out, transfer: { size: t.size, sha256: t.sha256 } };
  },
  'prepare-begin': (a) => {
    const size = a.size;
    const chunks = a.chunks;
    const chunkSize = a.chunkSize;
    if (!isCount(size) || !isCount(chunks) || !isCount(chunkSize) || chunkSize === 0) throw bad('args.size, args.chunks and args.chunkSize must be whole numbers (chunkSize above 0)');
    if (chunks !== Math.ceil(size / chunkSize)) throw bad(`args.chunks must be ceil(size / chunkSize) = ${Math.ceil(size / chunkSize)}`);
    if (!isSha256(a.sha256)) throw bad('args.sha256 must be 64 hex digits');
    const format = optional(a, 'format', (v): v is 'json' | 'binary' => v === 'json' || v === 'binary', "'json' or 'binary'");
    const digest = optional(a, 'digest', (v): v is 'whole' | 'chunks' | 'chunks-late' => v === 'whole' || v === 'chunks' || v === 'chunks-late', "'whole', 'chunks' or 'chunks-late'");
    return { migrationId: migrationId(a), source: agentIdArg(a, 'source'), size, sha256: a.sha256, chunks, chunkSize, ...(format === undefined ? {} : { format }), ...(digest === undefined ? {} : { digest }) };
  },
  'prepare-chunk': (a, attachment) => {
    if (!isCount(a.index)) throw bad('args.index must be a whole number of 0 or more');
    // Only the type here: a regular expression over every chunk cost more than the decoding
    // (~1.5 ms per 256 KB), and damaged base64 cannot pass the length and sha256 checks the
    // transfer makes of the decoded bytes (protocol/transfer.ts).
    if ((attachment === undefined) === (a.data === undefined)) throw bad('a chunk is args.data (base64) or the bytes attached to the request: exactly one');
    if (attachment === undefined && typeof a.data !== 'string') throw bad('args.data must be base64 text');
    if (!isSha256(a.sha256)) throw bad('args.sha256 must be 64 hex digits');
    return { migrationId: migrationId(a), index: a.index, data: attachment ?? (a.data as string), sha256: a.sha256 };
  },
  commit: (a) => ({ migrationId: migrationId(a) }),
  abort: (a) => ({ migrationId: migrationId(a), reason: optional(a, 'reason', isString, 'a string') }),
  'migration-status': (a) => ({ migrationId: migrationId(a) }),
  list: () => ({}),
  logs: (a) => ({ id: processId(a), tail: optional(a, 'tail', (v): v is number => isCount(v) && v > 0, 'a whole number above 0') }),
};

export const ACTION_NAMES = Object.keys(validators) as ActionName[];

const isAction = (s: unknown): s is ActionName => typeof s === 'string' && Object.prototype.hasOwnProperty.call(validators, s);

export interface ReplyRoute {
  /** Where to answer, if it could be found. */
  replyTo?: string;
  correlationId?: string;
  /** The MQTT 5 correlation data as received, echoed byte for byte in the reply. */
  correlationData?: Buffer;
}

/** Longest correlation id accepted (ours have 16 characters): recent ids are remembered to
 *  answer duplicates, and that memory must stay small. */
export const MAX_CORRELATION_ID = 256;

/** Why `topic` cannot be a reply topic, or undefined. A reply goes only to a requester's
 *  topic (`isReplyTopic`, <root>/clients/<id>/reply): an agent must not be usable to
 *  publish on other topics (a status, another agent's requests). */
function replyTopicProblem(topic: string, isReplyTopic?: (t: string) => boolean): string | undefined {
  if (topic === '' || /[+#\u0000]/.test(topic) || /(^|[^\uD800-\uDBFF])[\uDC00-\uDFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(topic)) return 'is not a valid topic name';
  if (Buffer.byteLength(topic) > 65535) return 'is longer than MQTT allows';
  if (isReplyTopic && !isReplyTopic(topic)) return 'is not a reply topic (<root>/clients/<id>/reply)';
  return undefined;
}

export type ParsedRequest =
  | { ok: true; request: RequestMessage; route: ReplyRoute & { replyTo: string; correlationId: string } }
  | { ok: false; error: ThingsError; route: ReplyRoute };

/**
 * Parses a request payload. `props` are the MQTT 5 properties, which win over the payload
 * fields (they are what a v5 client library sets).
 */
export function parseRequest(
  payload: Buffer | string,
  props?: { responseTopic?: string; correlationData?: Buffer },
  options: { isReplyTopic?: (topic: string) => boolean } = {},
): ParsedRequest {
  const route: ReplyRoute = {};
  let routeProblem: string | undefined;
  if (props?.responseTopic !== undefined) {
    const problem = replyTopicProblem(props.responseTopic, options.isReplyTopic);
    if (problem) routeProblem = `the response topic ${preview(props.responseTopic)} ${problem}`;
    else route.replyTo = props.responseTopic;
  }
  if (props?.correlationData && props.correlationData.length > 0) {
    if (props.correlationData.length > MAX_CORRELATION_ID) routeProblem ??= `the correlation data is over ${MAX_CORRELATION_ID} bytes`;
    else {
      route.correlationData = props.correlationData;
      route.correlationId = props.correlationData.toString('utf8');
    }
  }
  const fail = (error: ThingsError): ParsedRequest => ({ ok: false, error: routeProblem ? bad(routeProblem) : error, route });

  // A request may carry bytes after its JSON, behind a NUL (which JSON text never holds).
  let attachment: Buffer | undefined;
  if (typeof payload !== 'string') {
    const nul = payload.indexOf(0);
    if (nul !== -1) {
      attachment = payload.subarray(nul + 1);
      payload = payload.subarray(0, nul);
    }
  }
  let body: unknown;
  try {
    body = JSON.parse(payload.toString());
  } catch (err) {
    return fail(bad(`payload is not JSON: ${preview((err as Error).message, 200)}`));
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) return fail(bad('payload must be a JSON object'));
  const m = body as Record<string, unknown>;
  if (route.replyTo === undefined && props?.responseTopic === undefined && m.replyTo !== undefined) {
    const problem = typeof m.replyTo === 'string' ? replyTopicProblem(m.replyTo, options.isReplyTopic) : 'is not a string';
    if (problem) routeProblem ??= `field replyTo ${preview(m.replyTo)} ${problem}`;
    else route.replyTo = m.replyTo as string;
  }
  if (route.correlationId === undefined && m.correlationId !== undefined) {
    if (typeof m.correlationId !== 'string' || m.correlationId === '' || m.correlationId.length > MAX_CORRELATION_ID) routeProblem ??= `field correlationId must be a string of 1 to ${MAX_CORRELATION_ID} characters`;
    else route.correlationId = m.correlationId;
  }
  if (routeProblem) return fail(bad(routeProblem));

  if (typeof m.v !== 'number') return { ok: false, error: bad('field v (protocol version) is missing'), route };
  if (m.v > PROTOCOL_VERSION) return { ok: false, error: bad(`protocol version ${m.v} is newer than this agent's (${PROTOCOL_VERSION}); upgrade the agent`), route };
  if (route.replyTo === undefined) return { ok: false, error: bad('field replyTo is missing'), route };
  if (route.correlationId === undefined) return { ok: false, error: bad('field correlationId is missing'), route };
  if (!isAction(m.action)) {
    return {
      ok: false,
      error: new ThingsError('E_UNKNOWN_ACTION', `unknown action ${preview(m.action)}; expected one of ${ACTION_NAMES.join(', ')}`),
      route,
    };
  }
  const rawArgs = m.args === undefined ? {} : m.args;
  if (!rawArgs || typeof rawArgs !== 'object' || Array.isArray(rawArgs)) return { ok: false, error: bad('field args must be an object'), route };
  try {
    if (attachment !== undefined && m.action !== 'prepare-chunk') throw bad(`action ${m.action} takes no binary attachment`);
    const args = (validators[m.action] as Validator<ActionName>)(rawArgs as Record<string, unknown>, attachment);
    const request = { v: m.v, correlationId: route.correlationId, replyTo: route.replyTo, action: m.action, args } as RequestMessage;
    return { ok: true, request, route: { replyTo: route.replyTo, correlationId: route.correlationId, correlationData: route.correlationData } };
  } catch (err) {
    return { ok: false, error: err instanceof ThingsError ? err : bad(String(err)), route };
  }
}

/** Parses a retained agent status; undefined for anything that is not one (or an empty retained clear). */
export function parseAgentStatus(payload: Buffer | string): import('./messages').AgentStatus | undefined {
  if (payload.length === 0) return undefined;
  try {
    const s = JSON.parse(payload.toString()) as Record<string, unknown>;
    if (!s || typeof s !== 'object' || typeof s.id !== 'string' || (s.status !== 'online' && s.status !== 'offline')) return undefined;
    if (s.processes !== undefined && !Array.isArray(s.processes)) return undefined;
    // Records that are not records are left out rather than trusted (a reader iterates them).
    if (Array.isArray(s.processes)) s.processes = s.processes.filter((p) => p && typeof p === 'object' && typeof (p as Record<string, unknown>).id === 'string' && typeof (p as Record<string, unknown>).status === 'string');
    return s as unknown as import('./messages').AgentStatus;
  } catch {
    return undefined;
  }
}
