/**
 * Opening an MQTT session, shared by the agent and thingsctl.
 *
 * Protocol version: MQTT 5 gives response topics, correlation data and will delays, but the
 * development broker (aedes) and some older brokers speak only 3.1.1. In `auto` mode we
 * offer 5 first and, if the broker refuses the version in its CONNACK, fall back to 3.1.1 for
 * the rest of the session. The protocol never depends on v5: every field it needs is also
 * in the payloads.
 */
import mqtt, { type IClientOptions, type IClientPublishOptions, type MqttClient } from 'mqtt';

/** Mosquitto's bridge_protocol_version values, plus `auto`. */
export type ProtocolChoice = 'auto' | 'mqttv31' | 'mqttv311' | 'mqttv50';

export interface SessionOptions {
  url: string;
  clientId: string;
  username?: string;
  password?: string;
  protocol?: ProtocolChoice;
  keepaliveSeconds?: number;
  /** MQTT clean session / clean start (default true). */
  clean?: boolean;
  /** Milliseconds between reconnection attempts; 0 disables reconnection. */
  reconnectPeriodMs?: number;
  connectTimeoutMs?: number;
  will?: { topic: string; payload: string; retain: boolean; qos: 0 | 1 | 2 };
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized?: boolean };
}

/** CONNACK codes that mean "I do not speak this protocol version" (3.1.1: 1, 5: 0x84). */
const UNSUPPORTED_VERSION = new Set([1, 0x84]);

const VERSION_OF: Record<Exclude<ProtocolChoice, 'auto'>, 3 | 4 | 5> = { mqttv31: 3, mqttv311: 4, mqttv50: 5 };

/** Starts connecting and returns the client at once; await `whenConnected` to wait. */
export function openSession(o: SessionOptions): MqttClient {
  const choice = o.protocol ?? 'auto';
  const options: IClientOptions = {
    clientId: o.clientId,
    protocolVersion: choice === 'auto' ? 5 : VERSION_OF[choice],
    clean: o.clean ?? true,
    keepalive: o.keepaliveSeconds ?? 30,
    reconnectPeriod: o.reconnectPeriodMs ?? 2000,
    connectTimeout: o.connectTimeoutMs ?? 10_000,
    // Without this mqtt.js gives up for good after one refused CONNACK (bad credentials
    // while an operator fixes the ACL, a broker restarting): a daemon must keep trying.
    reconnectOnConnackError: true,
    resubscribe: true,
  };
  if (choice === 'mqttv31') options.protocolId = 'MQIsdp';
  if (o.username !== undefined) options.username = o.username;
  if (o.password !== undefined) options.password = o.password;
  if (o.will) options.will = { topic: o.will.topic, payload: Buffer.from(o.will.payload), retain: o.will.retain, qos: o.will.qos };
  if (o.tls) Object.assign(options, o.tls);

  const client = mqtt.connect(o.url, options);
  if (choice === 'auto') {
    let fallingBack = false;
    client.on('error', (err: Error & { code?: unknown }) => {
      if (client.options.protocolVersion === 5 && typeof err.code === 'number' && UNSUPPORTED_VERSION.has(err.code)) {
        // Read again by mqtt.js when it builds the next CONNECT.
        client.options.protocolVersion = 4;
        fallingBack = true;
      }
    });
    client.on('close', () => {
      if (!fallingBack) return;
      fallingBack = false;
      // Retry at once rather than after a reconnect period. This happens before the first
      // successful connection, so the message stores that reconnect() resets are empty.
      setImmediate(() => client.reconnect());
    });
  }
  return client;
}

/** True when the session negotiated MQTT 5 (so v5 properties may be sent). */
export const isV5 = (client: MqttClient): boolean => client.options.protocolVersion === 5;

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
  const options: IClientPublishOptions = { qos: 1, ...opts };
  if (!isV5(client)) delete options.properties;
  return new Promise((resolve, reject) => {
    client.publish(topic, JSON.stringify(payload), options, (err) => (err ? reject(err) : resolve()));
  });
}

/** Closes the session; `force` drops in-flight messages (used when the broker is gone). */
export function closeSession(client: MqttClient, force = false): Promise<void> {
  return new Promise((resolve) => client.end(force, {}, () => resolve()));
}

/**
 * URL of a broker `address` in Mosquitto's bridge form host[:port] (default port 1883, or
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
