/**
 * Parsing of untrusted payloads. Nothing here throws on bad input: request parsing returns
 * whatever could be salvaged (the reply topic above all) together with the error, so the
 * agent can still answer a malformed request.
 */
import { ThingsError } from '../shared/errors';
import { isProcessId } from './ids';
import { PROTOCOL_VERSION } from './version';
import { isTopicLevel } from './topics';
import { checkFileTree } from './file-tree';
import { RESTART_POLICIES, type ActionName, type Actions, type RequestMessage, type RestartPolicy } from './messages';

type Validator<A extends ActionName> = (args: Record<string, unknown>) => Actions[A]['args'];

const bad = (message: string): ThingsError => new ThingsError('E_BAD_REQUEST', message);

function processId(args: Record<string, unknown>, key = 'id'): string {
  const v = args[key];
  if (!isProcessId(v)) throw bad(`args.${key} must be a process id (8 characters [A-Za-z0-9]), got ${JSON.stringify(v)}`);
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
    throw bad(`args.name must be a file name (no '/', '\\', NUL, '.' or '..'; at most 255 characters), got ${JSON.stringify(v)}`);
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
    const target = str(a, 'target');
    if (!isTopicLevel(target)) throw bad(`args.target ${JSON.stringify(target)} is not a valid agent id`);
    return { id: processId(a), target, timeoutMs: optional(a, 'timeoutMs', isPositive, 'a positive number') };
  },
  list: () => ({}),
  logs: (a) => ({ id: processId(a), tail: optional(a, 'tail', (v): v is number => isCount(v) && v > 0, 'a whole number above 0') }),
};

export const ACTION_NAMES = Object.keys(validators) as ActionName[];

const isAction = (s: unknown): s is ActionName => typeof s === 'string' && Object.prototype.hasOwnProperty.call(validators, s);

export interface ReplyRoute {
  /** Where to answer, if it could be found. */
  replyTo?: string;
  correlationId?: string;
}

export type ParsedRequest =
  | { ok: true; request: RequestMessage; route: Required<ReplyRoute> }
  | { ok: false; error: ThingsError; route: ReplyRoute };

/**
 * Parses a request payload. `props` are the MQTT 5 properties, which win over the payload
 * fields (they are what a v5 client library sets).
 */
export function parseRequest(payload: Buffer | string, props?: { responseTopic?: string; correlationData?: Buffer }): ParsedRequest {
  const route: ReplyRoute = {};
  if (props?.responseTopic) route.replyTo = props.responseTopic;
  if (props?.correlationData && props.correlationData.length > 0) route.correlationId = props.correlationData.toString('utf8');

  let body: unknown;
  try {
    body = JSON.parse(payload.toString());
  } catch (err) {
    return { ok: false, error: bad(`payload is not JSON: ${(err as Error).message}`), route };
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) return { ok: false, error: bad('payload must be a JSON object'), route };
  const m = body as Record<string, unknown>;
  if (route.replyTo === undefined && typeof m.replyTo === 'string' && m.replyTo !== '' && !/[+#]/.test(m.replyTo)) route.replyTo = m.replyTo;
  if (route.correlationId === undefined && typeof m.correlationId === 'string') route.correlationId = m.correlationId;

  if (typeof m.v !== 'number') return { ok: false, error: bad('field v (protocol version) is missing'), route };
  if (m.v > PROTOCOL_VERSION) return { ok: false, error: bad(`protocol version ${m.v} is newer than this agent's (${PROTOCOL_VERSION}); upgrade the agent`), route };
  if (route.replyTo === undefined) return { ok: false, error: bad('field replyTo is missing'), route };
  if (route.correlationId === undefined) return { ok: false, error: bad('field correlationId is missing'), route };
  if (!isAction(m.action)) {
    return {
      ok: false,
      error: new ThingsError('E_UNKNOWN_ACTION', `unknown action ${JSON.stringify(m.action)}; expected one of ${ACTION_NAMES.join(', ')}`),
      route,
    };
  }
  const rawArgs = m.args === undefined ? {} : m.args;
  if (!rawArgs || typeof rawArgs !== 'object' || Array.isArray(rawArgs)) return { ok: false, error: bad('field args must be an object'), route };
  try {
    const args = (validators[m.action] as Validator<ActionName>)(rawArgs as Record<string, unknown>);
    const request = { v: m.v, correlationId: route.correlationId, replyTo: route.replyTo, action: m.action, args } as RequestMessage;
    return { ok: true, request, route: { replyTo: route.replyTo, correlationId: route.correlationId } };
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
    return s as unknown as import('./messages').AgentStatus;
  } catch {
    return undefined;
  }
}
