/**
 * The agent's configuration: an INI file (Mosquitto's bridge key names for the broker),
 * drop-ins from `conf.d/*.conf` beside it, or the original ThingsJS worker JSON
 * (`{"pubsub_url": "mqtt://...", "id": "worker-A"}`), detected by content. Command-line
 * flags override the file.
 *
 * Validation collects every problem (file, key, reason) and reports them all at once in one
 * ThingsError E_CONFIG: an operator fixing a device over a slow link should not have to
 * iterate one typo at a time.
 *
 *   [agent]
 *   id = worker-A                 ; default: the host name
 *   state_dir = /var/lib/thingsjs
 *   log_level = info              ; error | warn | info | debug
 *   log_format = plain            ; plain | journald (default: journald under systemd)
 *   migrate_timeout = 30          ; seconds the source waits for the target of a migration
 *   checkpoint_interval = 60      ; seconds between checkpoints of every program (0: only at stop)
 *   memory_limit = 128M           ; per program (default: none)
 *   topic_prefix = thingsjs/v1    ; (also accepted in [broker])
 *
 *   [broker]
 *   address = localhost:1883      ; host[:port] or a URL (mqtt://, mqtts://, ws://, wss://)
 *   remote_username = ...
 *   remote_password = ...
 *   remote_clientid = ...         ; default: thingsjs-agent-<id>
 *   keepalive_interval = 30
 *   restart_timeout = 2           ; seconds between reconnection attempts
 *   bridge_protocol_version = auto ; auto | mqttv50 | mqttv311 | mqttv31
 *   bridge_cafile / bridge_certfile / bridge_keyfile = PATH
 *   bridge_insecure = false
 *   topic_prefix = thingsjs/v1
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ini from 'ini';
import { ThingsError } from '../shared/errors';
import { addressToUrl, type ProtocolChoice } from '../protocol/connection';
import { DEFAULT_TOPIC_ROOT, isTopicLevel } from '../protocol/topics';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from './logger';

export interface BrokerConfig {
  url: string;
  username?: string;
  password?: string;
  clientId?: string;
  protocol: ProtocolChoice;
  keepaliveSeconds: number;
  reconnectPeriodMs: number;
  clean: boolean;
  topicPrefix: string;
  tls?: { cafile?: string; certfile?: string; keyfile?: string; insecure: boolean };
}

export interface AgentConfig {
  id: string;
  /** Undefined when not configured: the state directory module picks a default. */
  stateDir?: string;
  logLevel: LogLevel;
  logFormat?: LogFormat;
  migrateTimeoutMs: number;
  /** Periodic checkpoints of every program; 0: none (only at stop). */
  checkpointIntervalMs: number;
  /** Per-program memory limit in bytes; undefined: none. */
  memoryLimitBytes?: number;
  broker: BrokerConfig;
  /** Files that were read, in order. */
  files: string[];
  /** Things worth a log line that are not errors (ignored legacy keys). */
  warnings: string[];
}

export interface ConfigOverrides {
  id?: string;
  broker?: string;
  stateDir?: string;
}

export const DEFAULT_CONFIG_FILE = '/etc/thingsjs/agent.conf';

interface Problem {
  file: string;
  key: string;
  reason: string;
}

type Settings = Record<string, Record<string, { value: unknown; file: string }>>;

/** Every accepted key, by section, with a parser that throws a reason string. */
const SCHEMA: Record<string, Record<string, (v: unknown) => unknown>> = {
  agent: {
    id: agentId,
    state_dir: nonEmpty,
    log_level: oneOf(LOG_LEVELS),
    log_format: oneOf(LOG_FORMATS),
    migrate_timeout: positiveNumber,
    checkpoint_interval: nonNegativeNumber,
    memory_limit: byteSize,
    topic_prefix: topicPrefix,
  },
  broker: {
    address: nonEmpty,
    remote_username: anyString,
    remote_password: anyString,
    remote_clientid: nonEmpty,
    keepalive_interval: positiveNumber,
    restart_timeout: positiveNumber,
    bridge_protocol_version: oneOf(['auto', 'mqttv50', 'mqttv311', 'mqttv31']),
    bridge_cafile: nonEmpty,
    bridge_certfile: nonEmpty,
    bridge_keyfile: nonEmpty,
    bridge_insecure: bool,
    cleansession: bool,
    topic_prefix: topicPrefix,
  },
};

function anyString(v: unknown): string {
  if (typeof v === 'boolean') throw 'needs a value';
  return String(v);
}
function nonEmpty(v: unknown): string {
  const s = anyString(v);
  if (s.trim() === '') throw 'must not be empty';
  return s;
}
function agentId(v: unknown): string {
  const s = nonEmpty(v);
  if (!isTopicLevel(s)) throw `${JSON.stringify(s)} must not contain '/', '+' or '#' (it is an MQTT topic level)`;
  return s;
}
function topicPrefix(v: unknown): string {
  const s = nonEmpty(v);
  if (/[+#]/.test(s)) throw `${JSON.stringify(s)} must not contain MQTT wildcards`;
  return s;
}
function positiveNumber(v: unknown): number {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n) || n <= 0) throw `${JSON.stringify(v)} is not a positive number`;
  return n;
}
function nonNegativeNumber(v: unknown): number {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n) || n < 0) throw `${JSON.stringify(v)} is not a number of 0 or more`;
  return n;
}
/** 1048576, 512K, 96M, 1G (powers of 1024); at least 16M. */
function byteSize(v: unknown): number {
  const m = typeof v === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*([KMG]?)i?B?\s*$/i.exec(v) : null;
  if (!m) throw `${JSON.stringify(v)} is not a size such as 128M or 1G`;
  const n = Math.round(Number(m[1]) * 1024 ** ' KMG'.indexOf((m[2] || ' ').toUpperCase()));
  if (n < 16 * 1024 * 1024) throw `${JSON.stringify(v)} is below the 16M a Node.js program needs`;
  return n;
}
function bool(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  throw `${JSON.stringify(v)} is not true or false`;
}
function oneOf<T extends string>(values: readonly T[]): (v: unknown) => T {
  return (v) => {
    if (typeof v === 'string' && (values as readonly string[]).includes(v)) return v as T;
    throw `${JSON.stringify(v)} is not one of ${values.join(', ')}`;
  };
}

function readText(file: string, problems: Problem[]): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    problems.push({ file, key: '-', reason: `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
    return undefined;
  }
}

function collectIni(file: string, text: string, settings: Settings, problems: Problem[]): void {
  let parsed: Record<string, unknown>;
  try {
    parsed = ini.parse(text) as Record<string, unknown>;
  } catch (err) {
    problems.push({ file, key: '-', reason: `not a valid INI file: ${(err as Error).message}` });
    return;
  }
  for (const [section, body] of Object.entries(parsed)) {
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      problems.push({ file, key: section, reason: 'is outside any section (put it under [agent] or [broker])' });
      continue;
    }
    const schema = SCHEMA[section];
    if (!schema) {
      problems.push({ file, key: `[${section}]`, reason: `unknown section (expected ${Object.keys(SCHEMA).map((s) => `[${s}]`).join(' or ')})` });
      continue;
    }
    for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
      if (!schema[key]) {
        problems.push({ file, key: `[${section}] ${key}`, reason: 'unknown key' });
        continue;
      }
      settings[section] ??= {};
      settings[section][key] = { value, file };
    }
  }
}

/** The original ThingsJS worker file: only pubsub_url and id mean something to us. */
function collectLegacyJson(file: string, text: string, settings: Settings, problems: Problem[], warnings: string[]): void {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    problems.push({ file, key: '-', reason: `not valid JSON: ${(err as Error).message}` });
    return;
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) {
    problems.push({ file, key: '-', reason: 'must be a JSON object like {"pubsub_url": "mqtt://host", "id": "worker-A"}' });
    return;
  }
  for (const [key, value] of Object.entries(json as Record<string, unknown>)) {
    if (key === 'pubsub_url') {
      if (typeof value !== 'string' || value === '') problems.push({ file, key, reason: 'must be a broker URL such as "mqtt://localhost"' });
      else (settings.broker ??= {}).address = { value, file };
    } else if (key === 'id') {
      if (typeof value !== 'string') problems.push({ file, key, reason: 'must be a string' });
      else (settings.agent ??= {}).id = { value, file };
    } else {
      warnings.push(`${file}: key ${key} of the old worker format is ignored`);
    }
  }
}

function dropIns(file: string): string[] {
  const dir = path.join(path.dirname(file), 'conf.d');
  try {
    return fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.conf'))
      .sort()
      .map((f) => path.join(dir, f));
  } catch {
    return [];
  }
}

/**
 * Reads and validates the configuration. `file` undefined means the default file if it
 * exists, else built-in defaults. Throws ThingsError E_CONFIG listing every problem.
 */
export function loadConfig(file: string | undefined, overrides: ConfigOverrides = {}): AgentConfig {
  const problems: Problem[] = [];
  const warnings: string[] = [];
  const settings: Settings = {};
  const files: string[] = [];

  const main = file ?? (fs.existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);
  if (main !== undefined) {
    const text = readText(main, problems);
    if (text !== undefined) {
      files.push(main);
      if (text.trimStart().startsWith('{')) {
        collectLegacyJson(main, text, settings, problems, warnings);
      } else {
        collectIni(main, text, settings, problems);
        for (const extra of dropIns(main)) {
          const t = readText(extra, problems);
          if (t === undefined) continue;
          files.push(extra);
          collectIni(extra, t, settings, problems);
        }
      }
    }
  }
  const flag = (key: string, value: string | undefined, section: string): void => {
    if (value !== undefined) (settings[section] ??= {})[key] = { value, file: 'command line' };
  };
  flag('id', overrides.id, 'agent');
  flag('address', overrides.broker, 'broker');
  flag('state_dir', overrides.stateDir, 'agent');

  // Parse every value, recording each failure.
  const values: Record<string, Record<string, unknown>> = { agent: {}, broker: {} };
  for (const [section, keys] of Object.entries(settings)) {
    for (const [key, { value, file: from }] of Object.entries(keys)) {
      try {
        values[section][key] = SCHEMA[section][key](value);
      } catch (reason) {
        problems.push({ file: from, key: `[${section}] ${key}`, reason: String(reason) });
      }
    }
  }
  const a = values.agent;
  const b = values.broker;

  const tlsKeys = ['bridge_cafile', 'bridge_certfile', 'bridge_keyfile'] as const;
  const hasTls = tlsKeys.some((k) => b[k] !== undefined);
  let url = 'mqtt://localhost:1883';
  if (typeof b.address === 'string') {
    url = addressToUrl(b.address, hasTls);
    if (!/^(mqtts?|wss?|tcp|ssl):\/\//i.test(url)) {
      problems.push({ file: settings.broker?.address?.file ?? '-', key: '[broker] address', reason: `${JSON.stringify(b.address)}: unsupported scheme (use host[:port], mqtt://, mqtts://, ws:// or wss://)` });
    }
  }

  const stateDirSetting = settings.agent?.state_dir;
  const stateDir =
    typeof a.state_dir === 'string' ? path.resolve(stateDirSetting && stateDirSetting.file !== 'command line' ? path.dirname(stateDirSetting.file) : process.cwd(), a.state_dir) : undefined;

  if (problems.length > 0) {
    const lines = problems.map((p) => `  ${p.file}: ${p.key}: ${p.reason}`);
    throw new ThingsError('E_CONFIG', `invalid configuration (${problems.length} problem${problems.length > 1 ? 's' : ''}):\n${lines.join('\n')}`, { problems });
  }

  const broker: BrokerConfig = {
    url,
    username: b.remote_username as string | undefined,
    password: b.remote_password as string | undefined,
    clientId: b.remote_clientid as string | undefined,
    protocol: (b.bridge_protocol_version as ProtocolChoice | undefined) ?? 'auto',
    keepaliveSeconds: (b.keepalive_interval as number | undefined) ?? 30,
    reconnectPeriodMs: ((b.restart_timeout as number | undefined) ?? 2) * 1000,
    clean: (b.cleansession as boolean | undefined) ?? true,
    topicPrefix: (a.topic_prefix as string | undefined) ?? (b.topic_prefix as string | undefined) ?? DEFAULT_TOPIC_ROOT,
  };
  if (hasTls || b.bridge_insecure !== undefined) {
    broker.tls = {
      cafile: b.bridge_cafile as string | undefined,
      certfile: b.bridge_certfile as string | undefined,
      keyfile: b.bridge_keyfile as string | undefined,
      insecure: (b.bridge_insecure as boolean | undefined) ?? false,
    };
  }
  return {
    id: (a.id as string | undefined) ?? os.hostname(),
    stateDir,
    logLevel: (a.log_level as LogLevel | undefined) ?? 'info',
    logFormat: a.log_format as LogFormat | undefined,
    migrateTimeoutMs: ((a.migrate_timeout as number | undefined) ?? 30) * 1000,
    checkpointIntervalMs: ((a.checkpoint_interval as number | undefined) ?? 60) * 1000,
    memoryLimitBytes: a.memory_limit as number | undefined,
    broker,
    files,
    warnings,
  };
}
