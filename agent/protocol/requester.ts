/**
 * The requesting side of the protocol: sends a request to an agent and resolves with its
 * reply. Used by thingsctl and by an agent that asks another one (migration).
 *
 * One reply topic per requester, subscribed once; concurrent requests are told apart by
 * their correlation id. A reply that matches no pending request (late, after a timeout) is
 * dropped. Progress messages (a correlation id and `progress`, no `ok`) that come before a
 * reply go to the request's `onProgress`.
 *
 * `resendMs`: a request with no reply yet is published again, with the same correlation id,
 * after resendMs, then twice that, up to `resendCapMs` (a message lost by the broker, or by
 * an agent that restarted; the agent answers a repeat it has answered already from memory,
 * and the migration actions are idempotent besides).
 */
import type { MqttClient } from 'mqtt';
import { ThingsError } from '../shared/errors';
import { newCorrelationId } from './ids';
import { isV5, publishJson, publishText } from './connection';
import type { Topics } from './topics';
import type { ActionName, Actions, MigrationProgress, ReplyMessage, RequestMessage } from './messages';
import { PROTOCOL_VERSION } from './version';

interface Pending {
  resolve(result: unknown): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
  resendTimer?: NodeJS.Timeout;
  onProgress?: (p: MigrationProgress) => void;
  /** Undoes what the request set up besides its timers (a 'connect' listener). */
  cleanup?: () => void;
}

export interface RequestOptions {
  /** Publish again after this long without a reply (then doubling). */
  resendMs?: number;
  resendCapMs?: number;
  /** Called once, when the broker has first acknowledged the request (by any attempt). */
  onSent?: () => void;
  /** Called right before the first publish (a round trip measured from here includes the
   *  broker's hops both ways). */
  onPublishing?: () => void;
  onProgress?: (p: MigrationProgress) => void;
  /** Publish again (same correlation id) after every reconnection while unanswered: an
   *  answer published while this client was away is lost with a clean session, and the
   *  receiver answers a repeat from memory (for requests that are idempotent). */
  resendOnReconnect?: boolean;
  /** The correlation id to use (default: a fresh one). */
  correlationId?: string;
  /** Bytes sent after the request's JSON, behind a NUL (validate.ts parseRequest). */
  attachment?: Buffer;
}

/** Test-only fault injection on outgoing requests (agent/daemon/faults.ts): drop the
 *  publish, or publish a second copy under another correlation id. */
export type SendHook = (action: ActionName) => 'drop' | 'dup' | undefined;

const NUL = Buffer.of(0);

export class Requester {
  private readonly replyTopic: string;
  private readonly pending = new Map<string, Pending>();
  private readonly onMessage = (topic: string, payload: Buffer): void => this.handleMessage(topic, payload);
  sendHook: SendHook | undefined;

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
      clearTimeout(p.resendTimer);
      p.cleanup?.();
      p.reject(new ThingsError('E_INTERNAL', 'requester stopped'));
      this.pending.delete(id);
    }
  }

  /** Sends `action` to `agentId`; rejects with the agent's error (a ThingsError) or E_TIMEOUT. */
  request<A extends ActionName>(agentId: string, action: A, args: Actions[A]['args'], timeoutMs: number, options: RequestOptions = {}): Promise<Actions[A]['result']> {
    const correlationId = options.correlationId ?? newCorrelationId();
    const message: RequestMessage<A> = { v: PROTOCOL_VERSION, correlationId, replyTo: this.replyTopic, action, args };
    const topic = this.topics.agentRequest(agentId);
    const properties = isV5(this.client) ? { responseTopic: this.replyTopic, correlationData: Buffer.from(correlationId) } : undefined;
    const json = JSON.stringify(message);
    const payload = options.attachment ? Buffer.concat([Buffer.from(json), NUL, options.attachment]) : json;
    return new Promise<Actions[A]['result']>((resolve, reject) => {
      const timer = setTimeout(() => {
        const p = this.settle(correlationId);
        p?.reject(new ThingsError('E_TIMEOUT', `agent ${agentId} did not answer ${action} within ${Math.round(timeoutMs)} ms`));
      }, timeoutMs);
      const pending: Pending = { resolve: resolve as (r: unknown) => void, reject, timer, onProgress: options.onProgress };
      this.pending.set(correlationId, pending);
      let sent = false;
      const publish = (first: boolean): void => {
        const fault = first ? this.sendHook?.(action) : undefined;
        if (fault === 'drop') return;
        if (fault === 'dup') {
          // A second copy under its own correlation id: the receiver must see it as another
          // request (its reply is ignored here).
          const copyId = newCorrelationId();
          const copyJson = JSON.stringify({ ...message, correlationId: copyId });
          const copy = options.attachment ? Buffer.concat([Buffer.from(copyJson), NUL, options.attachment]) : copyJson;
          const copyProps = properties && { ...properties, correlationData: Buffer.from(copyId) };
          publishText(this.client, topic, copy, { qos: 1, properties: copyProps }).catch(() => undefined);
        }
        publishText(this.client, topic, payload, { qos: 1, properties }).then(
          () => {
            if (!sent) {
              sent = true;
              options.onSent?.();
            }
          },
          (err: Error & { code?: unknown }) => {
            // MQTT 5 brokers say when an ACL refuses a publish (PUBACK 0x87); 3.1.1 ones drop it
            // silently, and the request times out.
            const refused = err.code === 0x87;
            this.settle(correlationId)?.reject(
              refused
                ? new ThingsError('E_NOT_AUTHORIZED', `the broker refused the ${action} request to agent ${agentId} (${err.message}): its ACL does not let this client publish on ${topic}`)
                : new ThingsError('E_INTERNAL', `cannot publish the request: ${err.message}`),
            );
          },
        );
      };
      options.onPublishing?.();
      publish(true);
      if (options.resendOnReconnect) {
        const onConnect = (): void => publish(false);
        this.client.on('connect', onConnect);
        pending.cleanup = () => this.client.off('connect', onConnect);
      }
      if (options.resendMs !== undefined) {
        let delay = options.resendMs;
        const again = (): void => {
          if (this.pending.get(correlationId) !== pending) return;
          publish(false);
          delay = Math.min(delay * 2, options.resendCapMs ?? delay * 2);
          pending.resendTimer = setTimeout(again, delay);
        };
        pending.resendTimer = setTimeout(again, delay);
      }
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
    clearTimeout(p.resendTimer);
    p.cleanup?.();
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
    if (!reply || typeof reply !== 'object' || typeof reply.correlationId !== 'string') return;
    if (typeof reply.ok !== 'boolean') {
      const { progress, correlationId } = reply as unknown as { progress?: MigrationProgress; correlationId: string };
      if (progress && typeof progress === 'object') this.pending.get(correlationId)?.onProgress?.(progress);
      return;
    }
    const p = this.settle(reply.correlationId);
    if (!p) return;
    if (reply.ok) p.resolve(reply.result);
    else p.reject(new ThingsError(String(reply.error?.code ?? 'E_INTERNAL'), String(reply.error?.message ?? 'unknown error'), reply.error?.details));
  }
}
