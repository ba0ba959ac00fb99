/**
 * What is known of every agent, from their retained status messages.
 *
 * `sync()` answers "have all retained statuses arrived yet?": MQTT has no end-of-retained
 * marker, so after subscribing we publish a token to our own reply topic and wait for it to
 * come back. A broker delivers the retained messages of a subscription before any message
 * published after the SUBACK (Mosquitto, aedes and the cluster brokers we target send them
 * while handling the SUBSCRIBE), so when the token is back the table is complete.
 */
import type { MqttClient } from 'mqtt';
import { ThingsError } from '../shared/errors';
import { newCorrelationId } from './ids';
import type { Requester } from './requester';
import type { Topics } from './topics';
import type { AgentStatus, ProcessRecord } from './messages';
import { LIVE_STATUSES } from './messages';
import { parseAgentStatus } from './validate';

export class Presence {
  private readonly agents = new Map<string, AgentStatus>();
  private readonly waiting = new Map<string, () => void>();
  private readonly onMessage = (topic: string, payload: Buffer): void => this.handleMessage(topic, payload);
  private listeners: Array<(status: AgentStatus) => void> = [];

  constructor(
    private readonly client: MqttClient,
    private readonly topics: Topics,
    private readonly requester: Requester,
  ) {}

  /** Listens for statuses; the owner of the session subscribes to `topics.allAgentStatus`. */
  attach(): void {
    this.client.off('message', this.onMessage);
    this.client.on('message', this.onMessage);
  }

  /** attach() and subscribe, for a session that is already connected (thingsctl). */
  async start(): Promise<void> {
    this.attach();
    await this.client.subscribeAsync(this.topics.allAgentStatus, { qos: 1 });
  }

  stop(): void {
    this.client.off('message', this.onMessage);
    this.listeners = [];
  }

  /** Resolves when every status retained at subscription time has been received. */
  sync(timeoutMs = 5000): Promise<void> {
    const token = newCorrelationId();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(token);
        reject(new ThingsError('E_TIMEOUT', `the broker did not echo a message within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(token, () => {
        clearTimeout(timer);
        resolve();
      });
      this.requester.echo({ presenceSync: token }).catch(reject);
    });
  }

  get(agentId: string): AgentStatus | undefined {
    return this.agents.get(agentId);
  }

  all(): AgentStatus[] {
    // By code unit, not localeCompare: the same order everywhere, and no ICU collation data
    // loaded into a daemon for it (~2-4 MB of RSS).
    return [...this.agents.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  online(): AgentStatus[] {
    return this.all().filter((a) => a.status === 'online');
  }

  /** Throws E_UNKNOWN_AGENT / E_AGENT_OFFLINE unless `agentId` is online. */
  requireOnline(agentId: string): AgentStatus {
    const s = this.agents.get(agentId);
    if (!s) throw new ThingsError('E_UNKNOWN_AGENT', `no agent named ${agentId} has ever registered on this broker`);
    if (s.status !== 'online') throw new ThingsError('E_AGENT_OFFLINE', `agent ${agentId} is offline`);
    return s;
  }

  /** The online agent whose live program has this id (a live record wins over history such
   *  as Migrated, and over a target's Prepared copy during a migration). */
  findProcess(processId: string): ProcessRecord | undefined {
    let found: ProcessRecord | undefined;
    let prepared: ProcessRecord | undefined;
    for (const a of this.online()) {
      for (const p of a.processes ?? []) {
        if (p.id !== processId) continue;
        if (p.status === 'Prepared') prepared ??= p;
        else if (LIVE_STATUSES.includes(p.status)) return p;
        else found ??= p;
      }
    }
    return prepared ?? found;
  }

  /** Called for every status update (after the table is updated). */
  onChange(listener: (status: AgentStatus) => void): void {
    this.listeners.push(listener);
  }

  private handleMessage(topic: string, payload: Buffer): void {
    if (topic === this.requester.topic) {
      try {
        const token = (JSON.parse(payload.toString()) as { presenceSync?: unknown }).presenceSync;
        if (typeof token === 'string') {
          this.waiting.get(token)?.();
          this.waiting.delete(token);
        }
      } catch {
        /* a reply, handled by the requester */
      }
      return;
    }
    const agentId = this.topics.agentOfStatusTopic(topic);
    if (agentId === undefined) return;
    if (payload.length === 0) {
      // An empty retained message clears an agent (decommissioned).
      this.agents.delete(agentId);
      return;
    }
    // Anything else that is not a status of this agent changes nothing.
    const status = parseAgentStatus(payload);
    if (!status || status.id !== agentId) return;
    this.agents.set(agentId, status);
    for (const l of this.listeners) l(status);
  }
}
