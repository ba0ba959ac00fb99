/**
 * The daemon's only logging module: winston, wrapped once, writing to stdout.
 *
 * Two line formats:
 *  - `plain`    `2024-05-01T10:00:00.000Z info  agent: message` for a terminal;
 *  - `journald` `<6>agent: message`, the sd-daemon priority prefix, no timestamp (journald
 *               stamps lines itself and files them under the right priority).
 * The default is journald when stdout is connected to the journal (systemd sets
 * JOURNAL_STREAM), plain otherwise.
 *
 * Program output is logged through `programOutput`, as `[ID] line`, so it lands in the device
 * log next to the agent's own lines.
 */
import winston from 'winston';

/** winston's key for the final line (triple-beam's MESSAGE, a registered symbol). */
const MESSAGE = Symbol.for('message');

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export type LogFormat = 'plain' | 'journald';
/** A message, or a function building it: debug lines cost nothing when debug is off. */
export type LazyMessage = string | (() => string);

export interface Logger {
  error(msg: LazyMessage): void;
  warn(msg: LazyMessage): void;
  info(msg: LazyMessage): void;
  debug(msg: LazyMessage): void;
  /** A child logger: `agent` → `agent:session`. */
  child(namespace: string): Logger;
}

/** sd-daemon(3) priorities of our levels. */
const JOURNAL_PRIORITY: Record<string, number> = { error: 3, warn: 4, info: 6, debug: 7 };

const LEVELS: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export const LOG_LEVELS = Object.keys(LEVELS) as LogLevel[];
export const LOG_FORMATS: LogFormat[] = ['plain', 'journald'];

let root: winston.Logger | undefined;
let currentLevel: LogLevel = 'info';

function lineFormat(format: LogFormat): winston.Logform.Format {
  return winston.format((info) => {
    const ns = info.namespace as string | undefined;
    const raw = info.raw === true;
    const text = raw || !ns ? String(info.message) : `${ns}: ${String(info.message)}`;
    const priority = info.priority as number | undefined;
    (info as Record<string | symbol, unknown>)[MESSAGE] =
      format === 'journald'
        ? `<${priority ?? JOURNAL_PRIORITY[info.level] ?? 6}>${text}`
        : raw
          ? text
          : `${new Date().toISOString()} ${info.level.padEnd(5)} ${text}`;
    return info;
  })();
}

/** Sets up the root logger. Safe to call again (after the config is read). */
export function configureLogging(options: { level?: LogLevel; format?: LogFormat } = {}): void {
  const format = options.format ?? (process.env.JOURNAL_STREAM ? 'journald' : 'plain');
  currentLevel = options.level ?? 'info';
  const next = winston.createLogger({
    levels: LEVELS,
    level: currentLevel,
    format: lineFormat(format),
    transports: [new winston.transports.Console()],
  });
  root?.close();
  root = next;
}

function getRoot(): winston.Logger {
  if (!root) configureLogging();
  return root as winston.Logger;
}

function emit(level: LogLevel, namespace: string, msg: LazyMessage): void {
  if (LEVELS[level] > LEVELS[currentLevel]) return;
  getRoot().log({ level, namespace, message: typeof msg === 'function' ? msg() : msg });
}

export function createLogger(namespace: string): Logger {
  return {
    error: (m) => emit('error', namespace, m),
    warn: (m) => emit('warn', namespace, m),
    info: (m) => emit('info', namespace, m),
    debug: (m) => emit('debug', namespace, m),
    child: (sub) => createLogger(`${namespace}:${sub}`),
  };
}

/** One line of a program's output, shown as `[ID] line` (stderr lines at warning priority). */
export function programOutput(processId: string, stream: 'stdout' | 'stderr', line: string): void {
  getRoot().log({ level: 'info', raw: true, priority: stream === 'stderr' ? 4 : 6, message: `[${processId}] ${line}` });
}
