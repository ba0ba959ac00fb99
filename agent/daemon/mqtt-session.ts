/**
 * The agent's MQTT session: connection with the Last Will, subscriptions renewed on every
 * (re)connection, and the retained presence status.
 *
 * Subscriptions are made in the 'connect' handler, before the online status is published:
 * anyone who sees the agent online can send it a request and be heard. Presence is published
 * only while connected (a status queued offline could reach the broker after a newer one).
 */
import fs from 'node:fs';
import os from 'node:os';
import type { MqttClient } from 'mqtt';
import { ThingsError } from '../shared/errors';
import { closeSession, openSession, publishJson, type SessionOptions } from '../protocol/connection';
import type { Topics } from '../protocol/topics';
import type { AgentStatus, ProcessRecord } from '../protocol/messages';
import { PRODUCT_VERSION, PROTOCOL_VERSION } from '../protocol/version';
import type { BrokerConfig } from './config';
import type { Logger } from './logger';

export class MqttSession {
  private client: MqttClient | undefined;
  private filters: string[] = [];
  private processes: () => ProcessRecord[] = () => [];
  private stats: () => AgentStatus['stats'] = () => undefined;
  private everConnected = false;
  private wasOffline = false;

  constructor(
    private readonly agentId: string,
    private readonly broker: BrokerConfig,
    private readonly topics: Topics,
    private readonly log: Logger,
  ) {}

  /** The client, for components that attach their message handlers to it. */
  get mqtt(): MqttClient {
    if (!this.client) throw new ThingsError('E_INTERNAL', 'MQTT session not started');
    return this.client;
  }

  get connected(): boolean {
    return this.client?.connected === true;
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
    const client = openSession({
      url: this.broker.url,
      clientId: this.broker.clientId ?? `thingsjs-agent-${this.agentId}`,
      username: this.broker.username,
      password: this.broker.password,
      protocol: this.broker.protocol,
      keepaliveSeconds: this.broker.keepaliveSeconds,
      reconnectPeriodMs: this.broker.reconnectPeriodMs,
      clean: this.broker.clean,
      will: { topic: this.topics.agentStatus(this.agentId), payload: JSON.stringify(offline), retain: true, qos: 1 },
      tls: this.readTls(),
    } satisfies SessionOptions);
    this.client = client;
    // mqtt.js resubscribes by itself only what the session had; we own the list instead.
    client.options.resubscribe = false;
    client.on('connect', () => void this.onConnect());
    const retry = `retrying every ${this.broker.reconnectPeriodMs / 1000} s`;
    client.on('offline', () => {
      if (this.everConnected && !this.wasOffline) this.log.warn(`connection to ${this.broker.url} lost; ${retry}`);
      this.wasOffline = true;
    });
    let reported = false;
    client.on('error', (err: Error & { code?: unknown }) => {
      // A protocol version refusal is part of auto-negotiation, not a problem.
      const versionRefused = typeof err.code === 'number' && client.options.protocolVersion === 4 && this.broker.protocol === 'auto' && !this.everConnected && !reported && (err.code === 1 || err.code === 0x84);
      if (!this.everConnected && !reported && !versionRefused) {
        this.log.warn(`cannot connect to ${this.broker.url}: ${err.message}; ${retry}`);
        reported = true;
      } else {
        this.log.debug(() => `mqtt: ${err.message}`);
      }
    });
  }

  /** Publishes the current status (retained). No-op while disconnected. */
  async publishStatus(): Promise<void> {
    if (!this.client?.connected) return;
    await publishJson(this.client, this.topics.agentStatus(this.agentId), this.status(), { retain: true, qos: 1 }).catch((err: Error) =>
      this.log.warn(`cannot publish the status: ${err.message}`),
    );
  }

  /** Marks the agent offline (a clean disconnect does not fire the Will) and disconnects. */
  async stop(): Promise<void> {
    const client = this.client;
    if (!client) return;
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

  private async onConnect(): Promise<void> {
    const client = this.client;
    if (!client) return;
    try {
      if (this.filters.length > 0) await client.subscribeAsync(this.filters, { qos: 1 });
      await this.publishStatus();
    } catch (err) {
      this.log.error(`cannot set up the session: ${(err as Error).message}`);
      return;
    }
    const v = client.options.protocolVersion === 5 ? 'MQTT 5' : 'MQTT 3.1.1';
    if (!this.everConnected) this.log.info(`agent ${this.agentId} connected to ${this.broker.url} (${v})`);
    else this.log.info(`agent ${this.agentId} reconnected to ${this.broker.url}`);
    this.everConnected = true;
    this.wasOffline = false;
  }

  private readTls(): SessionOptions['tls'] {
    const t = this.broker.tls;
    if (!t) return undefined;
    const read = (key: string, file: string | undefined): Buffer | undefined => {
      if (file === undefined) return undefined;
      try {
        return fs.readFileSync(file);
      } catch (err) {
        throw new ThingsError('E_CONFIG', `[broker] ${key}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
    };
    return { ca: read('bridge_cafile', t.cafile), cert: read('bridge_certfile', t.certfile), key: read('bridge_keyfile', t.keyfile), rejectUnauthorized: !t.insecure };
  }
}

/** Node and OS facts for the startup line. */
export const hostFacts = (): string => `node ${process.version}, ${os.platform()}/${os.arch()}`;
