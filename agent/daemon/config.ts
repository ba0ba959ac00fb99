/**
 * The agent's configuration: an INI file (Mosquitto's bridge key names for the broker),
 * drop-ins from `conf.d/*.conf` beside it read in name order (a later file's key wins), or
 * the original ThingsJS worker JSON (`{"pubsub_url": "mqtt://...", "id": "worker-A"}`),
 * detected by content. Command-line flags override the files.
 *
 * Validation collects every problem (file, key, reason) and reports them all at once in one
 * ThingsError E_CONFIG: an operator fixing a device over a slow link should not have to
 * iterate one typo at a time. Files named by the configuration (certificates, keys, the
 * password file) are read and checked here, so a broken path is a configuration error
 * rather than a connection that silently never succeeds.
 *
 * Every key with its default is documented in packaging/agent.conf (kept true to DEFAULTS).
 */
import type crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ini from 'ini';
import { ThingsError } from '../shared/errors';
import { nodeCrypto } from '../shared/lazy-crypto';
import { isTlsUrl, parseAddresses, type ProtocolChoice } from '../protocol/connection';
import { DEFAULT_TOPIC_ROOT, isTopicLevel } from '../protocol/topics';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from './logger';
import { SYSTEM_STATE_DIR } from './state-dir';

export interface TlsConfig {
  cafile?: string;
  capath?: string;
  certfile?: string;
  keyfile?: string;
  /** bridge_insecure: do not check that the server certificate names the host. */
  insecure: boolean;
  /** Read and checked at configuration time. */
  ca?: Buffer[];
  cert?: Buffer;
  key?: Buffer;
}

export interface BrokerConfig {
  /** The first broker (the one named in logs when there is one). */
  url: string;
  /** Every broker, in failover order (`address a:1883 b:1883`). */
  urls: string[];
  username?: string;
  password?: string;
  /** Where the password was read from, when it came from remote_password_file. */
  passwordFile?: string;
  clientId?: string;
  protocol: ProtocolChoice;
  keepaliveSeconds: number;
  /** Reconnection backoff: base doubling to cap, ±20 % (equal: a fixed period). */
  reconnect: { baseMs: number; capMs: number };
  clean: boolean;
  topicPrefix: string;
  /** Program output held while the broker is unreachable. */
  outbox: { maxMessages: number; maxBytes: number };
  /** The largest message the agent publishes for a migration (bigger ones go in chunks). */
  maxPacketBytes: number;
  tls?: TlsConfig;
}

export interface AgentConfig {
  id: string;
  /** Undefined when not configured: the state directory module picks a default. */
  stateDir?: string;
  logLevel: LogLevel;
  logFormat?: LogFormat;
  migrateTimeoutMs: number;
  /** Migration handoff: first resend delay of an unanswered message (doubling up to 15
   *  times it), and how often a target holding a prepared copy asks for the decision. */
  migrateRetryMs: number;
  migrateStatusIntervalMs: number;
  /** Periodic checkpoints of every program; 0: none (only at stop). */
  checkpointIntervalMs: number;
  /** Per-program memory limit in bytes; undefined: none. */
  memoryLimitBytes?: number;
  broker: BrokerConfig;
  /** Files that were read, in order. */
  files: string[];
  /** Things worth a log line that are not errors (ignored legacy keys, expiring certificates). */
  warnings: string[];
}

export interface ConfigOverrides {
  id?: string;
  broker?: string;
  stateDir?: string;
}

export const DEFAULT_CONFIG_FILE = '/etc/thingsjs/agent.conf';

/** Defaults of the keys that have one (packaging/agent.conf documents the same values). */
export const DEFAULTS = {
  address: 'localhost:1883',
  keepalive_interval: 30,
  restart_timeout: [1, 60],
  cleansession: true,
  bridge_protocol_version: 'auto',
  bridge_insecure: false,
  max_queued_messages: 10000,
  max_queued_bytes: 4 * 1024 * 1024,
  log_level: 'info',
  migrate_timeout: 30,
  migrate_retry_interval: 2,
  migrate_status_interval: 10,
  max_packet_size: 256 * 1024,
  checkpoint_interval: 60,
  topic_prefix: DEFAULT_TOPIC_ROOT,
} as const;

interface Problem {
  file: string;
  key: string;
  reason: string;
}

interface Setting {
  value: unknown;
  file: string;
}
type Settings = Record<string, Record<string, Setting>>;

/** Every accepted key, by section, with a parser that throws a reason string. */
const SCHEMA: Record<string, Record<string, (v: unknown) => unknown>> = {
  agent: {
    id: agentId,
    state_dir: nonEmpty,
    log_level: oneOf(LOG_LEVELS),
    log_format: oneOf(LOG_FORMATS),
    migrate_timeout: positiveNumber,
    migrate_retry_interval: positiveNumber,
    migrate_status_interval: positiveNumber,
    checkpoint_interval: nonNegativeNumber,
    memory_limit: byteSize(16 * 1024 * 1024, 'the 16M a Node.js program needs'),
    topic_prefix: topicPrefix,
  },
  broker: {
    address: nonEmpty,
    remote_clientid: clientId,
    remote_username: anyString,
    remote_password: anyString,
    remote_password_file: nonEmpty,
    keepalive_interval: keepalive,
    restart_timeout: restartTimeout,
    cleansession: bool,
    bridge_protocol_version: oneOf(['auto', 'mqttv50', 'mqttv311', 'mqttv31'] as const),
    bridge_cafile: nonEmpty,
    bridge_capath: nonEmpty,
    bridge_certfile: nonEmpty,
    bridge_keyfile: nonEmpty,
    bridge_insecure: bool,
    max_queued_messages: positiveInteger,
    max_queued_bytes: byteSize(1024, '1K'),
    max_packet_size: byteSize(4096, '4K'),
    topic_prefix: topicPrefix,
  },
};

function anyString(v: unknown): string {
  if (typeof v === 'boolean' || v === null) throw 'needs a value';
  if (typeof v === 'object') throw 'must be a single value (not a list or a section)';
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
function clientId(v: unknown): string {
  const s = nonEmpty(v);
  if (Buffer.byteLength(s) > 65535) throw 'is longer than MQTT allows';
  return s;
}
function topicPrefix(v: unknown): string {
  const s = nonEmpty(v);
  if (/[+#]/.test(s)) throw `${JSON.stringify(s)} must not contain MQTT wildcards`;
  return s;
}
function number(v: unknown): number {
  return typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
}
function positiveNumber(v: unknown): number {
  const n = number(v);
  if (!Number.isFinite(n) || n <= 0) throw `${JSON.stringify(v)} is not a positive number`;
  return n;
}
function nonNegativeNumber(v: unknown): number {
  const n = number(v);
  if (!Number.isFinite(n) || n < 0) throw `${JSON.stringify(v)} is not a number of 0 or more`;
  return n;
}
function positiveInteger(v: unknown): number {
  const n = number(v);
  if (!Number.isInteger(n) || n <= 0) throw `${JSON.stringify(v)} is not a whole number above 0`;
  return n;
}
/** Seconds, as MQTT sends them: a whole number up to 65535. */
function keepalive(v: unknown): number {
  const n = number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw `${JSON.stringify(v)} is not a whole number of seconds from 1 to 65535`;
  return n;
}
/** Mosquitto's form: `value` (a fixed delay) or `base cap` (a backoff), in seconds. */
function restartTimeout(v: unknown): [number, number] {
  const parts = anyString(v).trim().split(/\s+/);
  const nums = parts.map(Number);
  if (parts.length > 2 || parts[0] === '' || nums.some((n) => !Number.isFinite(n) || n <= 0)) {
    throw `${JSON.stringify(v)} is not "SECONDS" or "BASE CAP" (positive numbers of seconds, e.g. "1 60")`;
  }
  const [base, cap = base] = nums;
  if (cap < base) throw `${JSON.stringify(v)}: the cap (${cap}) is below the base (${base})`;
  return [base, cap];
}
/** 1048576, 512K, 96M, 1G (powers of 1024). */
function byteSize(min: number, minText: string): (v: unknown) => number {
  return (v) => {
    const m = typeof v === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*([KMG]?)i?B?\s*$/i.exec(v) : null;
    if (!m) throw `${JSON.stringify(v)} is not a size such as 512K, 128M or 1G`;
    const n = Math.round(Number(m[1]) * 1024 ** ' KMG'.indexOf((m[2] || ' ').toUpperCase()));
    if (n < min) throw `${JSON.stringify(v)} is below ${minText}`;
    return n;
  };
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

/** A path from a setting: relative paths are relative to the file that set them. */
function settingPath(setting: Setting, value: string): string {
  return path.resolve(setting.file === 'command line' ? process.cwd() : path.dirname(setting.file), value);
}

/** Why `file` cannot be read as a regular file, or undefined when it can. */
function unreadable(file: string, directory = false): string | undefined {
  try {
    const st = fs.statSync(file);
    if (directory ? !st.isDirectory() : !st.isFile()) return `${file} is not a ${directory ? 'directory' : 'regular file'}`;
    fs.accessSync(file, fs.constants.R_OK | (directory ? fs.constants.X_OK : 0));
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return `${file} does not exist`;
    if (code === 'EACCES') return `${file} is not readable by this user (uid ${process.getuid?.() ?? '?'})`;
    return `${file}: ${code ?? (err as Error).message}`;
  }
}

/** Why the agent could not use `dir` as its state directory (without creating anything). */
function unwritableDir(dir: string): string | undefined {
  let probe = dir;
  for (;;) {
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(probe);
    } catch {
      const parent = path.dirname(probe);
      if (parent === probe) return `${dir} cannot be created`;
      probe = parent;
      continue;
    }
    if (!st.isDirectory()) return probe === dir ? `${dir} is not a directory` : `${dir} cannot be created: ${probe} is not a directory`;
    try {
      fs.accessSync(probe, fs.constants.W_OK | fs.constants.X_OK);
      return undefined;
    } catch {
      const uid = `uid ${process.getuid?.() ?? '?'}`;
      return probe === dir ? `${dir} is not writable by this user (${uid})` : `${dir} does not exist and cannot be created: ${probe} is not writable by this user (${uid})`;
    }
  }
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The certificates of a PEM file; throws a reason. Expired ones add a warning. */
function pemCertificates(file: string, text: string, warnings: string[], what: string): crypto.X509Certificate[] {
  const blocks = text.match(PEM_CERT) ?? [];
  if (blocks.length === 0) throw `${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`;
  return blocks.map((block, i) => {
    let cert: crypto.X509Certificate;
    try {
      cert = new (nodeCrypto().X509Certificate)(block);
    } catch (err) {
      throw `${file}: certificate ${i + 1} is not valid: ${(err as Error).message}`;
    }
    // A warning, not an error: a device without a real-time clock may start before NTP.
    const now = Date.now();
    if (Date.parse(cert.validTo) < now) warnings.push(`${what} ${file}: certificate ${cert.subject.replace(/\n/g, ', ')} expired on ${cert.validTo}`);
    else if (Date.parse(cert.validFrom) > now) warnings.push(`${what} ${file}: certificate ${cert.subject.replace(/\n/g, ', ')} is not valid before ${cert.validFrom} (is the clock right?)`);
    return cert;
  });
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
  const where = (key: string): string => settings.broker?.[key]?.file ?? '-';
  const problem = (key: string, reason: string): void => void problems.push({ file: where(key), key: `[broker] ${key}`, reason });

  // TLS: the files are read now, so that a wrong path is reported with its key.
  const tlsFiles = ['bridge_cafile', 'bridge_capath', 'bridge_certfile', 'bridge_keyfile'] as const;
  const paths: Partial<Record<(typeof tlsFiles)[number] | 'remote_password_file', string>> = {};
  for (const key of [...tlsFiles, 'remote_password_file'] as const) {
    if (typeof b[key] === 'string') paths[key] = settingPath(settings.broker[key], b[key] as string);
  }
  const tlsWanted = tlsFiles.some((k) => paths[k] !== undefined);
  let tls: TlsConfig | undefined;
  if (tlsWanted || b.bridge_insecure === true) {
    tls = { cafile: paths.bridge_cafile, capath: paths.bridge_capath, certfile: paths.bridge_certfile, keyfile: paths.bridge_keyfile, insecure: (b.bridge_insecure as boolean | undefined) ?? DEFAULTS.bridge_insecure };
    loadTls(tls, problem, warnings);
  }

  let urls: string[] = [addressOf(DEFAULTS.address, tlsWanted)];
  if (typeof b.address === 'string') {
    try {
      urls = parseAddresses(b.address, tlsWanted);
    } catch (reason) {
      problem('address', String(reason));
    }
  }
  if (tls && !tlsWanted && !urls.some(isTlsUrl)) {
    problem('bridge_insecure', 'is true but no broker address uses TLS (set bridge_cafile or bridge_capath, or use an mqtts:// address)');
  }

  // Credentials.
  let password = b.remote_password as string | undefined;
  if (b.remote_password !== undefined && b.remote_password_file !== undefined) {
    problem('remote_password_file', `and remote_password (${where('remote_password')}) are both set; keep one`);
  } else if (paths.remote_password_file !== undefined) {
    password = readPasswordFile(paths.remote_password_file, (reason) => problem('remote_password_file', reason), warnings);
  }
  if ((b.remote_password !== undefined || b.remote_password_file !== undefined) && b.remote_username === undefined) {
    problem(b.remote_password !== undefined ? 'remote_password' : 'remote_password_file', 'needs remote_username (MQTT sends no password without a user name)');
  }
  if (b.cleansession === false && b.remote_clientid === undefined && settings.agent?.id === undefined) {
    // The default client id comes from the agent id, which defaults to the host name: stable
    // enough, but say so, since a persistent session is bound to it.
    warnings.push('[broker] cleansession = false: the persistent session is bound to the client id thingsjs-agent-<id>; set [agent] id (or remote_clientid) so that it does not change with the host name');
  }

  const stateDirSetting = settings.agent?.state_dir;
  const stateDir = typeof a.state_dir === 'string' && stateDirSetting ? settingPath(stateDirSetting, a.state_dir) : undefined;
  if (stateDir !== undefined && stateDirSetting) {
    const why = unwritableDir(stateDir);
    if (why) problems.push({ file: stateDirSetting.file, key: '[agent] state_dir', reason: why });
  }

  if (problems.length > 0) {
    const lines = problems.map((p) => `  ${p.file}: ${p.key}: ${p.reason}`);
    throw new ThingsError('E_CONFIG', `invalid configuration (${problems.length} problem${problems.length > 1 ? 's' : ''}):\n${lines.join('\n')}`, { problems });
  }

  const [base, cap] = (b.restart_timeout as [number, number] | undefined) ?? DEFAULTS.restart_timeout;
  const broker: BrokerConfig = {
    url: urls[0],
    urls,
    username: b.remote_username as string | undefined,
    password,
    passwordFile: b.remote_password_file !== undefined ? paths.remote_password_file : undefined,
    clientId: b.remote_clientid as string | undefined,
    protocol: (b.bridge_protocol_version as ProtocolChoice | undefined) ?? DEFAULTS.bridge_protocol_version,
    keepaliveSeconds: (b.keepalive_interval as number | undefined) ?? DEFAULTS.keepalive_interval,
    reconnect: { baseMs: base * 1000, capMs: cap * 1000 },
    clean: (b.cleansession as boolean | undefined) ?? DEFAULTS.cleansession,
    topicPrefix: (a.topic_prefix as string | undefined) ?? (b.topic_prefix as string | undefined) ?? DEFAULTS.topic_prefix,
    outbox: {
      maxMessages: (b.max_queued_messages as number | undefined) ?? DEFAULTS.max_queued_messages,
      maxBytes: (b.max_queued_bytes as number | undefined) ?? DEFAULTS.max_queued_bytes,
    },
    maxPacketBytes: (b.max_packet_size as number | undefined) ?? DEFAULTS.max_packet_size,
  };
  if (tls) broker.tls = tls;
  return {
    id: (a.id as string | undefined) ?? os.hostname(),
    stateDir,
    logLevel: (a.log_level as LogLevel | undefined) ?? DEFAULTS.log_level,
    logFormat: a.log_format as LogFormat | undefined,
    migrateTimeoutMs: ((a.migrate_timeout as number | undefined) ?? DEFAULTS.migrate_timeout) * 1000,
    migrateRetryMs: ((a.migrate_retry_interval as number | undefined) ?? DEFAULTS.migrate_retry_interval) * 1000,
    migrateStatusIntervalMs: ((a.migrate_status_interval as number | undefined) ?? DEFAULTS.migrate_status_interval) * 1000,
    checkpointIntervalMs: ((a.checkpoint_interval as number | undefined) ?? DEFAULTS.checkpoint_interval) * 1000,
    memoryLimitBytes: a.memory_limit as number | undefined,
    broker,
    files,
    warnings,
  };
}

function addressOf(address: string, tls: boolean): string {
  return parseAddresses(address, tls)[0];
}

/** Reads the CA, client certificate and key named by `tls` into it; reports problems by key. */
function loadTls(tls: TlsConfig, problem: (key: string, reason: string) => void, warnings: string[]): void {
  const read = (key: string, file: string): string | undefined => {
    const why = unreadable(file);
    if (why) {
      problem(key, why);
      return undefined;
    }
    return fs.readFileSync(file, 'utf8');
  };
  const ca: Buffer[] = [];
  if (tls.cafile) {
    const text = read('bridge_cafile', tls.cafile);
    if (text !== undefined) {
      try {
        pemCertificates(tls.cafile, text, warnings, 'bridge_cafile');
        ca.push(Buffer.from(text));
      } catch (reason) {
        problem('bridge_cafile', String(reason));
      }
    }
  }
  if (tls.capath) {
    const why = unreadable(tls.capath, true);
    if (why) problem('bridge_capath', why);
    else {
      // Every readable file holding a certificate (c_rehash links, *.pem, *.crt alike).
      let found = 0;
      for (const name of fs.readdirSync(tls.capath).sort()) {
        const f = path.join(tls.capath, name);
        if (unreadable(f) !== undefined) continue;
        const text = fs.readFileSync(f, 'utf8');
        if (!text.includes('-----BEGIN CERTIFICATE-----')) continue;
        try {
          pemCertificates(f, text, warnings, 'bridge_capath');
          ca.push(Buffer.from(text));
          found += 1;
        } catch (reason) {
          problem('bridge_capath', String(reason));
        }
      }
      if (found === 0) problem('bridge_capath', `${tls.capath} holds no PEM certificate file`);
    }
  }
  if (ca.length > 0) tls.ca = ca;

  if ((tls.certfile === undefined) !== (tls.keyfile === undefined)) {
    problem(tls.certfile === undefined ? 'bridge_keyfile' : 'bridge_certfile', 'bridge_certfile and bridge_keyfile go together (a client certificate and its private key)');
  }
  let cert: crypto.X509Certificate | undefined;
  if (tls.certfile) {
    const text = read('bridge_certfile', tls.certfile);
    if (text !== undefined) {
      try {
        cert = pemCertificates(tls.certfile, text, warnings, 'bridge_certfile')[0];
        tls.cert = Buffer.from(text);
      } catch (reason) {
        problem('bridge_certfile', String(reason));
      }
    }
  }
  if (tls.keyfile) {
    const text = read('bridge_keyfile', tls.keyfile);
    if (text !== undefined) {
      let key: crypto.KeyObject | undefined;
      try {
        key = nodeCrypto().createPrivateKey(text);
        tls.key = Buffer.from(text);
      } catch (err) {
        const msg = (err as Error).message;
        problem('bridge_keyfile', /passphrase|encrypted/i.test(msg) || /ENCRYPTED/.test(text) ? `${tls.keyfile} is encrypted; the agent needs an unencrypted key (as Mosquitto bridges do): openssl pkey -in KEY -out KEY.plain` : `${tls.keyfile} is not a PEM private key: ${msg}`);
      }
      if (key && cert && !cert.checkPrivateKey(key)) problem('bridge_keyfile', `${tls.keyfile} is not the private key of the certificate in ${tls.certfile}`);
    }
  }
}

/** The password: the file's first line (a trailing newline is not part of it). */
function readPasswordFile(file: string, problem: (reason: string) => void, warnings: string[]): string | undefined {
  const why = unreadable(file);
  if (why) {
    problem(why);
    return undefined;
  }
  const password = fs.readFileSync(file, 'utf8').split(/\r?\n/)[0];
  if (password === '') {
    problem(`${file}: the first line (the password) is empty`);
    return undefined;
  }
  if ((fs.statSync(file).mode & 0o004) !== 0) warnings.push(`[broker] remote_password_file ${file} is readable by every user of this machine (chmod 600 or 640)`);
  return password;
}

/** The short report of `thingsjs-agent --check-config` for a valid configuration. */
export function summarizeConfig(c: AgentConfig): string {
  const b = c.broker;
  const secs = (ms: number): string => `${ms / 1000} s`;
  const size = (n: number): string => (n % (1024 * 1024) === 0 ? `${n / 1024 / 1024}M` : n % 1024 === 0 ? `${n / 1024}K` : `${n} bytes`);
  const lines = [
    `configuration OK: ${c.files.length > 0 ? c.files.join(', ') : `no file (${DEFAULT_CONFIG_FILE} does not exist), built-in defaults`}`,
    `  agent      ${c.id}; state ${c.stateDir ?? `default (${SYSTEM_STATE_DIR} when writable, else per user)`}; log ${c.logLevel}`,
    `  broker     ${b.urls.join(' ')}${b.urls.length > 1 ? ' (failover, in this order)' : ''}; protocol ${b.protocol}; client id ${b.clientId ?? `thingsjs-agent-${c.id}`}`,
    `  auth       ${b.username === undefined ? 'anonymous' : `user ${b.username}, ${b.password === undefined ? 'no password' : b.passwordFile ? `password from ${b.passwordFile}` : 'password in the configuration'}`}`,
  ];
  if (b.tls) {
    const t = b.tls;
    const ca = [t.cafile && `CA ${t.cafile}`, t.capath && `CA directory ${t.capath}`].filter(Boolean).join(', ') || 'system CAs';
    lines.push(`  tls        ${ca}; ${t.certfile ? `client certificate ${t.certfile}` : 'no client certificate'}; ${t.insecure ? 'host name NOT checked (bridge_insecure)' : 'host name checked'}`);
  } else if (b.urls.some(isTlsUrl)) {
    lines.push('  tls        system CAs; no client certificate; host name checked');
  }
  const { baseMs, capMs } = b.reconnect;
  lines.push(`  reconnect  ${baseMs === capMs ? `every ${secs(baseMs)}` : `${secs(baseMs)} doubling to ${secs(capMs)}`} ±20 %; keepalive ${b.keepaliveSeconds} s; ${b.clean ? 'clean session' : 'persistent session'}`);
  lines.push(`  offline    program output held up to ${b.outbox.maxMessages} lines / ${size(b.outbox.maxBytes)}`);
  lines.push(`  programs   checkpoint ${c.checkpointIntervalMs > 0 ? `every ${secs(c.checkpointIntervalMs)}` : 'only at stop'}; memory limit ${c.memoryLimitBytes === undefined ? 'none' : size(c.memoryLimitBytes)}; topics ${b.topicPrefix}/...`);
  lines.push(`  migration  timeout ${secs(c.migrateTimeoutMs)}; resend every ${secs(c.migrateRetryMs)} (doubling); decision asked every ${secs(c.migrateStatusIntervalMs)}; messages up to ${size(b.maxPacketBytes)}`);
  for (const w of c.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n') + '\n';
}
