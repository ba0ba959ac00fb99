/**
 * The agent's MQTT session: connection with the Last Will, reconnection with backoff,
 * subscriptions renewed on every (re)connection, the retained presence status, and program
 * output that survives an outage.
 *
 * On every connection, in order: subscribe (anyone who sees the agent online can send it a
 * request and be heard), publish the online status, deliver the output held while offline
 * (oldest first, in chunks acknowledged by the broker), then let new output go straight out.
 * Until the held output is delivered, new output queues behind it, so a reader of a
 * process's output topic sees its lines in the order the program printed them.
 *
 * Presence is published only while connected (a status queued offline could reach the
 * broker after a newer one). Requests in flight are mqtt.js's business: QoS 1 messages it
 * had handed to the broker unacknowledged are sent again before 'connect' fires.
 *
 * The broker going away is invisible to programs: they run on, their output is held (within
 * [broker] max_queued_messages / max_queued_bytes; the oldest lines go first, with a marker
 * line saying how many) and delivered after reconnection.
 */
import os from 'node:os';
import type { MqttClient } from 'mqtt';
import { ThingsError } from '../shared/errors';
import { closeSession, CREDENTIALS_REFUSED, currentServer, openSession, publishJson, type SessionOptions } from '../protocol/connection';
import type { Topics } from '../protocol/topics';
import type { AgentStatus, OutputMessage, ProcessRecord } from '../protocol/messages';
import { PRODUCT_VERSION, PROTOCOL_VERSION } from '../protocol/version';
import type { BrokerConfig } from './config';
import type { Logger } from './logger';
import { Outbox, type Dropped, type OutboxItem } from './outbox';

/** Held messages sent per round trip when delivering the outbox: a broker (and its slow
 *  subscribers, whose queues it bounds) gets the backlog at the pace it acknowledges it. */
const FLUSH_CHUNK = 100;

export class MqttSession {
  private client: MqttClient | undefined;
  private filters: string[] = [];
  private processes: () => ProcessRecord[] = () => [];
  private stats: () => AgentStatus['stats'] = () => undefined;
  private everConnected = false;
  /** The transport is up (CONNACK received, no 'close' since). */
  private up = false;
  /** Subscribed, status published, outbox delivered: output may go straight out. */
  private ready = false;
  /** Bumped on every connection: a delivery loop of an earlier connection stops. */
  private generation = 0;
  private offlineSince: number | undefined;
  /** The connection error last logged at warning level (repeats go to debug). */
  private lastError: string | undefined;
  private stopping = false;
  private server: string;
  private readonly outbox: Outbox;
  private dropped = 0;
  private refusedOutput = false;
  /** The broker's Maximum Packet Size (MQTT 5 CONNACK), when it announced one. */
  private brokerMaxPacket: number | undefined;

  constructor(
    private readonly agentId: string,
    private readonly broker: BrokerConfig,
    private readonly topics: Topics,
    private readonly log: Logger,
  ) {
    this.server = broker.url;
    this.outbox = new Outbox(broker.outbox);
  }

  /** The client, for components that attach their message handlers to it. */
  get mqtt(): MqttClient {
    if (!this.client) throw new ThingsError('E_INTERNAL', 'MQTT session not started');
    return this.client;
  }

  get connected(): boolean {
    return this.client?.connected === true;
  }

  /** The largest message to publish: the configured bound, or the broker's if lower. */
  get maxPacketBytes(): number {
    const mine = this.broker.maxPacketBytes;
    return this.brokerMaxPacket !== undefined && this.brokerMaxPacket > 0 ? Math.min(mine, this.brokerMaxPacket) : mine;
  }

  /** Topic filters (re)subscribed on every connection. */
  subscribe(filters: string[]): void {
    this.filters.push(...filters);
  }

  /** Where the status message gets its process table from. */
  setProcessSource(source: () => ProcessRecord[]): void {
    this.processes = source;
  }

  /** Where the status message gets the agent's own CPU and memory from. */
  setStatsSource(source: () => AgentStatus['stats']): void {
    this.stats = source;
  }

  /** Starts connecting; does not wait for the broker (the agent works locally meanwhile). */
  start(): void {
    const offline: AgentStatus = { v: PROTOCOL_VERSION, id: this.agentId, status: 'offline' };
    const t = this.broker.tls;
    const client = openSession({
      url: this.broker.url,
      urls: this.broker.urls,
      clientId: this.broker.clientId ?? `thingsjs-agent-${this.agentId}`,
      username: this.broker.username,
      password: this.broker.password,
      protocol: this.broker.protocol,
      keepaliveSeconds: this.broker.keepaliveSeconds,
      backoff: this.broker.reconnect,
      clean: this.broker.clean,
      will: { topic: this.topics.agentStatus(this.agentId), payload: JSON.stringify(offline), retain: true, qos: 1 },
      tls: t && { ca: t.ca, cert: t.cert, key: t.key, checkHostname: !t.insecure },
    } satisfies SessionOptions);
    this.client = client;
    // mqtt.js resubscribes by itself only what the session had; we own the list instead.
    client.options.resubscribe = false;
    client.on('connect', (packet) => {
      this.brokerMaxPacket = packet?.properties?.maximumPacketSize;
      void this.onConnect(client);
    });
    client.on('close', () => this.onClose(client));
    client.on('error', (err: Error & { code?: unknown }) => this.onError(client, err));
  }

  /** Publishes the current status (retained). No-op while disconnected. */
  async publishStatus(): Promise<void> {
    if (!this.client?.connected) return;
    await publishJson(this.client, this.topics.agentStatus(this.agentId), this.status(), { retain: true, qos: 1 }).catch((err: Error) =>
      this.log.warn(`cannot publish the status: ${err.message}`),
    );
  }

  /**
   * Publishes one line of a program's output on its process topic, now or, while the broker
   * is unreachable, once it is back (held within the outbox limits).
   */
  publishOutput(message: OutputMessage): void {
    const item: OutboxItem = { key: message.id, topic: this.topics.processOutput(message.id), payload: JSON.stringify(message) };
    if (this.ready && this.outbox.empty && this.client) {
      this.send(this.client, item);
      return;
    }
    const dropped = this.outbox.push(item);
    if (dropped > 0) {
      if (this.dropped === 0) this.log.warn(`output held while offline is over its limit (${this.broker.outbox.maxMessages} lines, ${this.broker.outbox.maxBytes} bytes): dropping the oldest lines ([broker] max_queued_messages, max_queued_bytes)`);
      this.dropped += dropped;
    }
  }

  /** Marks the agent offline (a clean disconnect does not fire the Will) and disconnects. */
  async stop(): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.stopping = true;
    this.ready = false;
    if (this.outbox.size > 0) this.log.warn(`${this.outbox.size} lines of program output were never delivered to the broker (they are in the device log)`);
    if (client.connected) {
      const offline: AgentStatus = { v: PROTOCOL_VERSION, id: this.agentId, status: 'offline' };
      await Promise.race([
        publishJson(client, this.topics.agentStatus(this.agentId), offline, { retain: true, qos: 1 }).catch(() => undefined),
        new Promise((r) => setTimeout(r, 2000)),
      ]);
    }
    await Promise.race([closeSession(client), new Promise((r) => setTimeout(r, 2000))]);
    if (!client.disconnected) await closeSession(client, true);
    this.client = undefined;
  }

  private status(): AgentStatus {
    return { v: PROTOCOL_VERSION, id: this.agentId, status: 'online', pid: process.pid, node: process.version, version: PRODUCT_VERSION, processes: this.processes(), stats: this.stats() };
  }

  private async onConnect(client: MqttClient): Promise<void> {
    if (this.client !== client) return;
    const generation = ++this.generation;
    this.up = true;
    this.lastError = undefined;
    this.server = currentServer(client, this.broker.urls);
    try {
      if (this.filters.length > 0) {
        const granted = await client.subscribeAsync(this.filters, { qos: 1 });
        for (const g of granted) {
          // 0x80 and above: refused (3.1.1 has only 0x80; 5 says why, 0x87 is "not authorized").
          if (g.qos >= 0x80) this.log.error(`the broker refused the subscription to ${g.topic} (reason code 0x${g.qos.toString(16)}): check its ACL for ${this.broker.username ?? 'anonymous clients'}`);
        }
      }
      await this.publishStatus();
    } catch (err) {
      if (generation === this.generation) this.log.error(`cannot set up the session: ${(err as Error).message}`);
      return;
    }
    const v = client.options.protocolVersion === 5 ? 'MQTT 5' : client.options.protocolVersion === 3 ? 'MQTT 3.1' : 'MQTT 3.1.1';
    if (!this.everConnected) {
      this.log.info(`agent ${this.agentId} connected to ${this.server} (${v})`);
    } else {
      const away = this.offlineSince === undefined ? '' : ` after ${((Date.now() - this.offlineSince) / 1000).toFixed(1)} s offline`;
      this.log.info(`agent ${this.agentId} reconnected to ${this.server} (${v})${away}`);
    }
    this.everConnected = true;
    this.offlineSince = undefined;
    await this.deliverHeld(client, generation);
  }

  /** Sends the outbox, oldest first, a chunk per round trip; then output goes straight out. */
  private async deliverHeld(client: MqttClient, generation: number): Promise<void> {
    let delivered = 0;
    while (!this.outbox.empty) {
      const chunk = this.outbox.take(FLUSH_CHUNK, (key, d) => this.marker(key, d));
      if (chunk.length === 0) break;
      await Promise.all(chunk.map((item) => new Promise<void>((resolve) => this.send(client, item, resolve))));
      delivered += chunk.length;
      // A newer connection took over (this one dropped): what was handed to mqtt.js is resent
      // by it; the rest stays in the outbox for the new delivery loop.
      if (generation !== this.generation || !this.up) return;
    }
    if (delivered > 0 || this.dropped > 0) {
      this.log.info(`delivered ${delivered} messages of program output held while offline${this.dropped > 0 ? `; ${this.dropped} older lines were dropped (over the limit)` : ''}`);
    }
    this.dropped = 0;
    this.ready = true;
  }

  private marker(key: string, d: Dropped): OutboxItem {
    const message: OutputMessage = {
      v: PROTOCOL_VERSION,
      agent: this.agentId,
      id: key,
      stream: 'stderr',
      data: `[thingsjs-agent: ${d.messages} line${d.messages === 1 ? '' : 's'} of output (${d.bytes} bytes) dropped while the broker was unreachable]\n`,
      dropped: d.messages,
    };
    return { key, topic: this.topics.processOutput(key), payload: JSON.stringify(message) };
  }

  private send(client: MqttClient, item: OutboxItem, done?: () => void): void {
    client.publish(item.topic, item.payload, { qos: 1 }, (err) => {
      if (err && !this.refusedOutput) {
        // A broker that refuses (an ACL) refuses every line: say it once.
        this.refusedOutput = true;
        this.log.error(`the broker refused program output on ${item.topic}: ${err.message} (check its ACL)`);
      }
      done?.();
    });
  }

  private onClose(client: MqttClient): void {
    if (this.client !== client || this.stopping) return;
    const wasUp = this.up;
    this.up = false;
    this.ready = false;
    const next = `next attempt in ${seconds(client.options.reconnectPeriod ?? 0)}`;
    if (wasUp) {
      this.offlineSince = Date.now();
      this.log.warn(`connection to ${this.server} lost; reconnecting with backoff (${next}; ${this.backoffText()}); programs keep running and their output is held`);
    } else {
      this.log.debug(`connection attempt failed; ${next}`);
    }
  }

  private onError(client: MqttClient, err: Error & { code?: unknown }): void {
    if (this.client !== client) return;
    // A protocol version refusal is part of auto-negotiation, not a problem.
    if (typeof err.code === 'number' && (err.code === 1 || err.code === 0x84) && client.options.protocolVersion === 4 && this.broker.protocol === 'auto') {
      this.log.debug(`the broker refused MQTT 5; trying MQTT 3.1.1`);
      return;
    }
    const server = currentServer(client, this.broker.urls);
    const what = describeError(err, this.broker);
    const line = `cannot connect to ${server}: ${what}`;
    if (line === this.lastError) {
      this.log.debug(line);
      return;
    }
    this.lastError = line;
    const serious = typeof err.code === 'number' || /TLS|certificate/i.test(what);
    this.log[serious ? 'error' : 'warn'](`${line}; retrying with backoff (${this.backoffText()})`);
  }

  private backoffText(): string {
    const { baseMs, capMs } = this.broker.reconnect;
    return baseMs === capMs ? `every ${seconds(baseMs)} ±20 %` : `${seconds(baseMs)} doubling to ${seconds(capMs)}, ±20 %`;
  }
}

const seconds = (ms: number): string => (ms < 1000 ? `${Math.round(ms)} ms` : `${ms >= 10_000 ? Math.round(ms / 1000) : Math.round(ms / 100) / 10} s`);

/** A connection error in words an operator can act on. */
function describeError(err: Error & { code?: unknown }, broker: BrokerConfig): string {
  const code = err.code;
  if (typeof code === 'number') {
    if (CREDENTIALS_REFUSED.has(code)) {
      const who = broker.username === undefined ? 'anonymous connection' : `user ${broker.username}`;
      return `the broker refused the ${who} (${err.message}): check [broker] remote_username and remote_password${broker.passwordFile ? `_file (${broker.passwordFile})` : ''} against the broker's password file and ACL`;
    }
    if (code === 1 || code === 0x84) return `the broker refused the connection (${err.message}): it does not speak ${broker.protocol === 'mqttv50' ? 'MQTT 5' : 'this MQTT version'}; set [broker] bridge_protocol_version = auto (or mqttv311)`;
    return `the broker refused the connection (${err.message}, reason code ${code})`;
  }
  const tlsCodes = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO|ALTNAME|HOSTNAME/;
  if ((typeof code === 'string' && tlsCodes.test(code)) || /alert|certificate|ssl|tls/i.test(err.message)) {
    const hint =
      typeof code === 'string' && /ALTNAME|HOSTNAME/.test(code)
        ? 'the server certificate does not name this host (fix the certificate, or set bridge_insecure = true to skip the host name check)'
        : /alert/i.test(err.message)
          ? 'the broker rejected the TLS handshake (does it require a client certificate? check bridge_certfile and bridge_keyfile)'
          : 'check bridge_cafile / bridge_capath';
    // OpenSSL's "8000...:error:0A00045C:SSL routines:ssl3_read_bytes:tlsv13 alert certificate
    // required:../deps/...:SSL alert number 116\n": only the reason is worth a log line.
    const reason = /:SSL routines:[^:]*:([^:]+):/.exec(err.message)?.[1] ?? err.message.trim();
    return `TLS: ${reason}${typeof code === 'string' ? ` (${code})` : ''}: ${hint}`;
  }
  return `${err.message}${typeof code === 'string' && !err.message.includes(code) ? ` (${code})` : ''}`;
}

/** Node and OS facts for the startup line. */
export const hostFacts = (): string => `node ${process.version}, ${os.platform()}/${os.arch()}`;
