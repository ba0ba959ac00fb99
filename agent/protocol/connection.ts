/**
 * Opening an MQTT session, shared by the agent and thingsctl.
 *
 * Protocol version: MQTT 5 gives response topics, correlation data and will delays, but the
 * development broker (aedes) and some older brokers speak only 3.1.1. In `auto` mode we
 * offer 5 first and, if the broker refuses the version in its CONNACK, fall back to 3.1.1 for
 * the rest of the session. The protocol never depends on v5: every field it needs is also
 * in the payloads.
 *
 * Reconnection: mqtt.js retries after a fixed `reconnectPeriod` and reads that option again
 * each time it schedules a retry; with `backoff` we set it before every attempt (on its
 * 'reconnect' event) to min(cap, base · 2^round) ± jitter, and back to the base on 'connect'.
 * A round is one attempt at each address, so failover tries every broker before waiting
 * longer. `reconnectOnConnackError` keeps retrying after a refused CONNACK (bad credentials
 * while an operator fixes the broker's password file).
 */
import type { IClientOptions, IClientPublishOptions, MqttClient } from 'mqtt';

/** mqtt.js is loaded on the first connection, not with this module: the commands and
 *  the program host that import this file for its parsing helpers (`thingsctl run`,
 *  `instrument`, `snapshot show`) never pay for it (about 10 MB of RSS and 60 ms). */
function mqttLib(): typeof import('mqtt') {
  return require('mqtt') as typeof import('mqtt');
}

/** Mosquitto's bridge_protocol_version values, plus `auto`. */
export type ProtocolChoice = 'auto' | 'mqttv31' | 'mqttv311' | 'mqttv50';

/** Exponential reconnection delays: base · 2^n, capped, each ± `jitter` (a fraction). */
export interface Backoff {
  baseMs: number;
  capMs: number;
  /** Default 0.2 (±20 %): a fleet that lost its broker does not come back in lockstep. */
  jitter?: number;
}

export interface SessionOptions {
  url: string;
  /** Failover: every broker in order, `url` first (mqtt.js `servers`). */
  urls?: string[];
  clientId: string;
  username?: string;
  password?: string;
  protocol?: ProtocolChoice;
  keepaliveSeconds?: number;
  /** MQTT clean session / clean start (default true). */
  clean?: boolean;
  /** Fixed milliseconds between reconnection attempts; 0 disables reconnection. */
  reconnectPeriodMs?: number;
  /** Exponential backoff instead of a fixed period. */
  backoff?: Backoff;
  connectTimeoutMs?: number;
  will?: { topic: string; payload: string; retain: boolean; qos: 0 | 1 | 2 };
  tls?: {
    ca?: Buffer[];
    cert?: Buffer;
    key?: Buffer;
    /** Verify the server's certificate chain (default true). */
    rejectUnauthorized?: boolean;
    /** Check that the certificate names the host we connect to (default true).
     *  Mosquitto's bridge_insecure turns this off, and only this. */
    checkHostname?: boolean;
  };
}

/** CONNACK codes that mean "I do not speak this protocol version" (3.1.1: 1, 5: 0x84). */
const UNSUPPORTED_VERSION = new Set([1, 0x84]);
/** CONNACK codes that refuse the credentials (3.1.1: 4, 5; 5: 0x86, 0x87, 0x8C). */
export const CREDENTIALS_REFUSED = new Set([4, 5, 0x86, 0x87, 0x8c]);

const VERSION_OF: Record<Exclude<ProtocolChoice, 'auto'>, 3 | 4 | 5> = { mqttv31: 3, mqttv311: 4, mqttv50: 5 };

/** The delay before retry number `round` (0 after a drop): min(cap, base · 2^round) ± jitter. */
export function backoffDelay(round: number, b: Backoff, random: () => number = Math.random): number {
  const d = Math.min(b.capMs, b.baseMs * 2 ** Math.min(round, 52));
  const j = b.jitter ?? 0.2;
  return Math.max(1, Math.round(d * (1 + j * (2 * random() - 1))));
}

/** Starts connecting and returns the client at once; await `whenConnected` to wait. */
export function openSession(o: SessionOptions): MqttClient {
  const choice = o.protocol ?? 'auto';
  const servers = o.urls && o.urls.length > 1 ? o.urls.map(serverOf) : [];
  const rounds = Math.max(1, servers.length);
  const options: IClientOptions = {
    clientId: o.clientId,
    protocolVersion: choice === 'auto' ? 5 : VERSION_OF[choice],
    clean: o.clean ?? true,
    keepalive: o.keepaliveSeconds ?? 30,
    reconnectPeriod: o.backoff ? backoffDelay(0, o.backoff) : (o.reconnectPeriodMs ?? 2000),
    connectTimeout: o.connectTimeoutMs ?? 10_000,
    // Without this mqtt.js gives up for good after one refused CONNACK (bad credentials
    // while an operator fixes the ACL, a broker restarting): a daemon must keep trying.
    reconnectOnConnackError: true,
    resubscribe: true,
    // mqtt-packet otherwise makes a 2-byte Buffer for every packet id 0-65535 on the first
    // publish and keeps them: 65,536 objects, ~6 MB of an idle agent's 14 MB heap.
    writeCache: false,
  };
  if (servers.length > 0) options.servers = servers;
  if (choice === 'mqttv31') options.protocolId = 'MQIsdp';
  // MQTT 5 ends a session when the connection closes unless it is given an expiry; a
  // persistent session (cleansession false) lasts as long as on 3.1.1: until the broker
  // expires it.
  if (options.clean === false && options.protocolVersion === 5) options.properties = { sessionExpiryInterval: 0xffffffff };
  if (o.username !== undefined) options.username = o.username;
  if (o.password !== undefined) options.password = o.password;
  if (o.will) options.will = { topic: o.will.topic, payload: Buffer.from(o.will.payload), retain: o.will.retain, qos: o.will.qos };
  if (o.tls) {
    if (o.tls.ca) options.ca = o.tls.ca;
    if (o.tls.cert) options.cert = o.tls.cert;
    if (o.tls.key) options.key = o.tls.key;
    options.rejectUnauthorized = o.tls.rejectUnauthorized ?? true;
    if (o.tls.checkHostname === false) (options as { checkServerIdentity?: () => undefined }).checkServerIdentity = () => undefined;
  }

  const client = mqttLib().connect(o.url, options);
  // Nagle's algorithm off: a request and its reply are small messages, and with Nagle a
  // second small write waits for the peer's delayed ACK (40 ms on Linux) — measured as
  // ~40 ms per hop of a migration. (mqtt.js has no option for it; TLS sockets have it too,
  // WebSocket streams do not.)
  client.on('connect', () => {
    (client.stream as { setNoDelay?: (on: boolean) => void } | undefined)?.setNoDelay?.(true);
  });
  let fallingBack = false;
  if (choice === 'auto') {
    client.on('error', (err: Error & { code?: unknown }) => {
      if (client.options.protocolVersion === 5 && typeof err.code === 'number' && UNSUPPORTED_VERSION.has(err.code)) {
        // Read again by mqtt.js when it builds the next CONNECT.
        client.options.protocolVersion = 4;
        delete client.options.properties;
        fallingBack = true;
      }
    });
    client.on('close', () => {
      if (!fallingBack) return;
      // Retry at once rather than after a reconnect period. This happens before the first
      // successful connection, so the message stores that reconnect() resets are empty.
      setImmediate(() => client.reconnect());
    });
  }
  const backoff = o.backoff;
  let attempts = 0;
  client.on('reconnect', () => {
    // mqtt.js sets the TLS server name from the first broker once and keeps it; with several
    // brokers each one must be checked against its own name.
    if (servers.length > 0) delete (client.options as { servername?: string }).servername;
    if (fallingBack) {
      fallingBack = false; // the same attempt again, in 3.1.1: not a failure to count
      return;
    }
    attempts += 1;
    if (backoff) client.options.reconnectPeriod = backoffDelay(Math.floor(attempts / rounds), backoff);
  });
  client.on('connect', () => {
    attempts = 0;
    if (backoff) client.options.reconnectPeriod = backoffDelay(0, backoff);
  });
  return client;
}

/** True when the session negotiated MQTT 5 (so v5 properties may be sent). */
export const isV5 = (client: MqttClient): boolean => client.options.protocolVersion === 5;

/** The URL of the broker the client is connected (or connecting) to, among `urls`. */
export function currentServer(client: MqttClient, urls: string[]): string {
  if (urls.length === 1) return urls[0];
  const { protocol, hostname, host, port } = client.options as { protocol?: string; hostname?: string; host?: string; port?: number };
  const h = hostname ?? host;
  const found = urls.find((u) => {
    const s = serverOf(u);
    return s.host === h && Number(s.port) === Number(port) && s.protocol === protocol;
  });
  return found ?? `${protocol}://${h && h.includes(':') ? `[${h}]` : h}:${port}`;
}

/**
 * Resolves on the first successful CONNACK; rejects after `timeoutMs` with the last error
 * seen (a refused connection, bad credentials...). Reconnection goes on in the meantime.
 */
export function whenConnected(client: MqttClient, timeoutMs: number, options: { failFast?: (err: Error & { code?: unknown }) => boolean } = {}): Promise<void> {
  if (client.connected) return Promise.resolve();
  return new Promise((resolve, reject) => {
    let lastError: Error | undefined;
    const onError = (err: Error & { code?: unknown }): void => {
      // A version refusal in auto mode is expected and retried; not worth reporting.
      if (typeof err.code === 'number' && UNSUPPORTED_VERSION.has(err.code) && client.options.protocolVersion === 4) return;
      lastError = err;
      if (options.failFast?.(err)) {
        cleanup();
        reject(err);
      }
    };
    const onConnect = (): void => {
      cleanup();
      resolve();
    };
    const timer = setTimeout(() => {
      cleanup();
      const why = lastError ? `: ${lastError.message}` : '';
      reject(Object.assign(new Error(`cannot connect to the broker within ${timeoutMs} ms${why}`), { code: 'E_TIMEOUT' }));
    }, timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      client.off('connect', onConnect);
      client.off('error', onError);
    };
    client.on('connect', onConnect);
    client.on('error', onError);
  });
}

/** Publishes a JSON payload; resolves once the broker has it (QoS 1 PUBACK). */
export function publishJson(client: MqttClient, topic: string, payload: unknown, opts: IClientPublishOptions = {}): Promise<void> {
  return publishText(client, topic, JSON.stringify(payload), opts);
}

/** publishJson for a payload already serialised (sent more than once), or bytes. */
export function publishText(client: MqttClient, topic: string, text: string | Buffer, opts: IClientPublishOptions = {}): Promise<void> {
  const options: IClientPublishOptions = { qos: 1, ...opts };
  if (!isV5(client)) delete options.properties;
  return new Promise((resolve, reject) => {
    client.publish(topic, text, options, (err) => (err ? reject(err) : resolve()));
  });
}

/** Closes the session; `force` drops in-flight messages (used when the broker is gone). */
export function closeSession(client: MqttClient, force = false): Promise<void> {
  return new Promise((resolve) => client.end(force, {}, () => resolve()));
}

const SCHEMES = new Set(['mqtt', 'mqtts', 'tcp', 'ssl', 'ws', 'wss']);
const TLS_SCHEMES = new Set(['mqtts', 'ssl', 'wss']);

/**
 * URL of one broker address in Mosquitto's bridge form host[:port] (default port 1883, or
 * 8883 with TLS). A bare IPv6 address is bracketed; a full URL is returned unchanged.
 */
export function addressToUrl(address: string, tls = false): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(address)) return address;
  const scheme = tls ? 'mqtts' : 'mqtt';
  const defaultPort = tls ? 8883 : 1883;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(address);
  if (bracketed) return `${scheme}://[${bracketed[1]}]:${bracketed[2] ?? defaultPort}`;
  const colons = address.split(':').length - 1;
  if (colons === 1) return `${scheme}://${address}`;
  if (colons > 1) return `${scheme}://[${address}]:${defaultPort}`;
  return `${scheme}://${address}:${defaultPort}`;
}

/**
 * A broker `address` value: one or more addresses separated by spaces (Mosquitto's bridge
 * syntax, `address host1:1883 host2:1883`; commas are accepted too), each host[:port] or a
 * URL. Several addresses mean failover, tried in order. Throws a reason string naming the
 * first bad address. `tls`: bare addresses become mqtts:// (the TLS keys are set).
 */
export function parseAddresses(value: string, tls: boolean): string[] {
  const parts = value.split(/[\s,]+/).filter((p) => p !== '');
  if (parts.length === 0) throw 'must name at least one broker';
  const urls = parts.map((p) => {
    const url = addressToUrl(p, tls);
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw `${JSON.stringify(p)} is not host[:port] (port 1-65535) or a broker URL`;
    }
    const scheme = u.protocol.replace(/:$/, '').toLowerCase();
    if (!SCHEMES.has(scheme)) throw `${JSON.stringify(p)}: unsupported scheme ${scheme}:// (use host[:port], mqtt://, mqtts://, ws:// or wss://)`;
    if (u.hostname === '') throw `${JSON.stringify(p)} names no host`;
    // The address is logged and shown: credentials belong in their own keys.
    if (u.username !== '' || u.password !== '') throw `${u.protocol}//${u.host}: put the user name and password in remote_username and remote_password (or remote_password_file), not in the address`;
    if (u.port === '0') throw `${JSON.stringify(p)}: port 0 is not a port`;
    if (tls && !TLS_SCHEMES.has(scheme)) throw `${JSON.stringify(p)} is not a TLS URL but bridge_cafile/capath/certfile/keyfile are set (use mqtts:// or wss://, or host[:port])`;
    return url;
  });
  if (urls.length > 1 && urls.some((u) => /^wss?:/i.test(u))) throw 'a WebSocket URL (ws://, wss://) must be the only address: failover is for mqtt:// and mqtts:// brokers';
  return urls;
}

/** True when a URL is TLS (mqtts://, ssl://, wss://). */
export const isTlsUrl = (url: string): boolean => TLS_SCHEMES.has(url.slice(0, url.indexOf(':')).toLowerCase());

/** One entry of mqtt.js `servers`. */
type Scheme = 'mqtt' | 'mqtts' | 'tcp' | 'ssl' | 'ws' | 'wss';
function serverOf(url: string): { host: string; port: number; protocol: Scheme } {
  const u = new URL(url);
  const protocol = u.protocol.replace(/:$/, '').toLowerCase() as Scheme;
  const port = u.port !== '' ? Number(u.port) : TLS_SCHEMES.has(protocol) ? (protocol === 'wss' ? 443 : 8883) : protocol === 'ws' ? 80 : 1883;
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port, protocol };
}
