/**
 * The requesting side of the protocol: sends a request to an agent and resolves with its
 * reply. Used by thingsctl and by an agent that asks another one (migration).
 *
 * One reply topic per requester, subscribed once; concurrent requests are told apart by
 * their correlation id. A reply that matches no pending request (late, after a timeout) is
 * dropped.
 */
import type { MqttClient } from 'mqtt';
import { ThingsError } from '../shared/errors';
import { newCorrelationId } from './ids';
import { isV5, publishJson } from './connection';
import type { Topics } from './topics';
import type { ActionName, Actions, ReplyMessage, RequestMessage } from './messages';
import { PROTOCOL_VERSION } from './version';

interface Pending {
  resolve(result: unknown): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

export class Requester {
  private readonly replyTopic: string;
  private readonly pending = new Map<string, Pending>();
  private readonly onMessage = (topic: string, payload: Buffer): void => this.handleMessage(topic, payload);

  /** `replyTopic`: where replies come (default: the client reply topic of `requesterId`). */
  constructor(
    private readonly client: MqttClient,
    private readonly topics: Topics,
    requesterId: string,
    replyTopic?: string,
  ) {
    this.replyTopic = replyTopic ?? topics.clientReply(requesterId);
  }

  /** Listens for replies; the owner of the session subscribes to `topic`. */
  attach(): void {
    this.client.off('message', this.onMessage);
    this.client.on('message', this.onMessage);
  }

  /** attach() and subscribe, for a session that is already connected (thingsctl). */
  async start(): Promise<void> {
    this.attach();
    await this.client.subscribeAsync(this.replyTopic, { qos: 1 });
  }

  /** Rejects every pending request; the session itself is closed by its owner. */
  stop(): void {
    this.client.off('message', this.onMessage);
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new ThingsError('E_INTERNAL', 'requester stopped'));
      this.pending.delete(id);
    }
  }

  /** Sends `action` to `agentId`; rejects with the agent's error (a ThingsError) or E_TIMEOUT. */
  request<A extends ActionName>(agentId: string, action: A, args: Actions[A]['args'], timeoutMs: number): Promise<Actions[A]['result']> {
    const correlationId = newCorrelationId();
    const message: RequestMessage<A> = { v: PROTOCOL_VERSION, correlationId, replyTo: this.replyTopic, action, args };
    return new Promise<Actions[A]['result']>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(correlationId);
        reject(new ThingsError('E_TIMEOUT', `agent ${agentId} did not answer ${action} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(correlationId, { resolve: resolve as (r: unknown) => void, reject, timer });
      const properties = isV5(this.client) ? { responseTopic: this.replyTopic, correlationData: Buffer.from(correlationId) } : undefined;
      publishJson(this.client, this.topics.agentRequest(agentId), message, { qos: 1, properties }).catch((err: Error & { code?: unknown }) => {
        // MQTT 5 brokers say when an ACL refuses a publish (PUBACK 0x87); 3.1.1 ones drop it
        // silently, and the request times out.
        const refused = err.code === 0x87;
        this.settle(correlationId)?.reject(
          refused
            ? new ThingsError('E_NOT_AUTHORIZED', `the broker refused the ${action} request to agent ${agentId} (${err.message}): its ACL does not let this client publish on ${this.topics.agentRequest(agentId)}`)
            : new ThingsError('E_INTERNAL', `cannot publish the request: ${err.message}`),
        );
      });
    });
  }

  /** Publishes a message to our own reply topic: it comes back after everything the broker
   *  queued for us before it (used to know that retained messages have all arrived). */
  echo(payload: Record<string, unknown>): Promise<void> {
    return publishJson(this.client, this.replyTopic, payload, { qos: 1 });
  }

  get topic(): string {
    return this.replyTopic;
  }

  private settle(correlationId: string): Pending | undefined {
    const p = this.pending.get(correlationId);
    if (!p) return undefined;
    this.pending.delete(correlationId);
    clearTimeout(p.timer);
    return p;
  }

  private handleMessage(topic: string, payload: Buffer): void {
    if (topic !== this.replyTopic) return;
    let reply: ReplyMessage;
    try {
      reply = JSON.parse(payload.toString()) as ReplyMessage;
    } catch {
      return; // not ours to judge: a stray publish on our topic
    }
    if (!reply || typeof reply !== 'object' || typeof reply.correlationId !== 'string' || typeof reply.ok !== 'boolean') return;
    const p = this.settle(reply.correlationId);
    if (!p) return;
    if (reply.ok) p.resolve(reply.result);
    else p.reject(new ThingsError(String(reply.error?.code ?? 'E_INTERNAL'), String(reply.error?.message ?? 'unknown error'), reply.error?.details));
  }
}
