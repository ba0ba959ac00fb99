/**
 * Answers requests on the agent's request topic: parse, dispatch through the handler table,
 * reply. Every request gets exactly one reply when a reply topic can be found; nothing a
 * client sends can throw out of here.
 *
 * QoS 1 may deliver a request twice (after a reconnection): replies are remembered by
 * correlation id for a while, so a duplicate is answered again instead of run again.
 *
 * Replies go only to reply topics (<root>/clients/<id>/reply): a request naming another
 * topic (a status topic, an agent's request topic) is not answered, so no one can make an
 * agent publish where it should not. The MQTT 5 correlation data is echoed as received.
 */
import type { IPublishPacket, MqttClient } from 'mqtt';
import { toErrorPayload } from '../shared/errors';
import { isV5, publishJson } from '../protocol/connection';
import { parseRequest, type ReplyRoute } from '../protocol/validate';
import type { ActionName, MigrationProgress, ProgressMessage, ReplyMessage, RequestMessage } from '../protocol/messages';
import type { Topics } from '../protocol/topics';
import { PROTOCOL_VERSION } from '../protocol/version';
import { handlers, type HandlerContext, type RequestInfo } from './handlers';
import type { Logger } from './logger';

/** How many recent correlation ids are remembered for duplicate detection. */
const RECENT_LIMIT = 256;
/** Replies bigger than this (snapshots) are not kept whole: memory is scarce on a device. */
const RECENT_MAX_BYTES = 64 * 1024;
/** Bad requests logged at warning level per minute. */
const BAD_LOG_BURST = 20;

/** Test-only fault injection (./faults.ts): what to do with a reply, and a step to take
 *  once a reply has been published. */
export interface ReplyHooks {
  reply(action: ActionName): 'drop' | 'dup' | undefined;
  afterReply(action: ActionName): Promise<void>;
}

export class RequestServer {
  readonly topic: string;
  private client: MqttClient | undefined;
  /** correlation id → the reply sent, or undefined while the request is running. */
  private readonly recent = new Map<string, ReplyMessage | undefined>();
  private readonly isReplyTopic: (topic: string) => boolean;
  private badWindowStart = 0;
  private badLogged = 0;
  private badSuppressed = 0;
  hooks: ReplyHooks | undefined;
  private readonly onMessage = (topic: string, payload: Buffer, packet: IPublishPacket): void => {
    if (topic !== this.topic) return;
    this.handle(payload, packet).catch((err: Error) => this.log.error(`request handling failed: ${err.stack ?? err.message}`));
  };

  constructor(
    private readonly agentId: string,
    topics: Topics,
    private readonly context: HandlerContext,
    private readonly log: Logger,
  ) {
    this.topic = topics.agentRequest(agentId);
    this.isReplyTopic = (t) => topics.isReplyTopic(t);
  }

  attach(client: MqttClient): void {
    this.client = client;
    client.on('message', this.onMessage);
  }

  detach(): void {
    this.client?.off('message', this.onMessage);
  }

  private async handle(payload: Buffer, packet: IPublishPacket): Promise<void> {
    const parsed = parseRequest(payload, packet.properties, { isReplyTopic: this.isReplyTopic });
    if (!parsed.ok) {
      this.logBadRequest(`bad request (${parsed.error.code}: ${parsed.error.message})${parsed.route.replyTo ? '' : '; no reply topic, not answered'}`);
      await this.reply(parsed.route, { v: PROTOCOL_VERSION, correlationId: parsed.route.correlationId ?? null, agent: this.agentId, ok: false, error: toErrorPayload(parsed.error) });
      return;
    }
    const { request, route } = parsed;
    if (this.recent.has(route.correlationId)) {
      const earlier = this.recent.get(route.correlationId);
      this.log.debug(`duplicate request ${route.correlationId} (${request.action}) ${earlier ? 'answered again' : 'still running'}`);
      if (earlier) await this.reply(route, earlier);
      return;
    }
    this.remember(route.correlationId, undefined);
    const reply = await this.dispatch(request, route);
    this.remember(route.correlationId, JSON.stringify(reply).length <= RECENT_MAX_BYTES ? reply : duplicateOf(reply));
    const fault = this.hooks?.reply(request.action);
    if (fault !== 'drop') await this.reply(route, reply);
    if (fault === 'dup') await this.reply(route, reply);
    await this.hooks?.afterReply(request.action);
  }

  /** Publishes a reply (or a progress message) to a requester's route: also for answers
   *  given later than the request's own handling (a source that restarted mid-migration). */
  send(route: ReplyRoute, message: ReplyMessage | ProgressMessage): Promise<void> {
    return this.reply(route, message);
  }

  private async dispatch(request: RequestMessage, route: ReplyRoute & { replyTo: string; correlationId: string }): Promise<ReplyMessage> {
    const { action, correlationId } = request;
    this.log.debug(() => `request ${correlationId}: ${action} ${summarize(request)}`);
    const info: RequestInfo = {
      route,
      progress: (p: MigrationProgress) => void this.reply(route, { v: PROTOCOL_VERSION, correlationId, agent: this.agentId, progress: p }),
    };
    try {
      const handler = handlers[action] as (args: unknown, ctx: HandlerContext, info: RequestInfo) => Promise<unknown>;
      const result = await handler(request.args, this.context, info);
      return { v: PROTOCOL_VERSION, correlationId, agent: this.agentId, ok: true, result };
    } catch (err) {
      const error = toErrorPayload(err);
      if (error.code === 'E_INTERNAL') this.log.error(`${action} failed: ${(err as Error).stack ?? error.message}`);
      else this.log.info(`${action} refused: ${error.code}: ${error.message}`);
      return { v: PROTOCOL_VERSION, correlationId, agent: this.agentId, ok: false, error };
    }
  }

  private async reply(route: ReplyRoute, reply: ReplyMessage | ProgressMessage): Promise<void> {
    const client = this.client;
    if (!client || route.replyTo === undefined) return;
    const correlationData = route.correlationData ?? (route.correlationId !== undefined ? Buffer.from(route.correlationId) : undefined);
    const properties = isV5(client) && correlationData !== undefined ? { correlationData } : undefined;
    await publishJson(client, route.replyTo, reply, { qos: 1, properties }).catch((err: Error) =>
      this.log.warn(`cannot send the reply to ${route.replyTo}: ${err.message}`),
    );
  }

  /** Bad requests are logged, but a flood of them (a broken or hostile client) must not
   *  flood the journal: at most BAD_LOG_BURST lines a minute, then a count. */
  private logBadRequest(line: string): void {
    const now = Date.now();
    if (now - this.badWindowStart >= 60_000) {
      if (this.badSuppressed > 0) this.log.warn(`${this.badSuppressed} more bad requests in the last minute were not logged`);
      this.badWindowStart = now;
      this.badLogged = 0;
      this.badSuppressed = 0;
    }
    if (this.badLogged < BAD_LOG_BURST) {
      this.badLogged += 1;
      this.log.warn(line);
    } else {
      this.badSuppressed += 1;
      this.log.debug(line);
    }
  }

  private remember(correlationId: string, reply: ReplyMessage | undefined): void {
    this.recent.delete(correlationId);
    this.recent.set(correlationId, reply);
    while (this.recent.size > RECENT_LIMIT) {
      const oldest = this.recent.keys().next().value as string;
      this.recent.delete(oldest);
    }
  }
}

/** A request's arguments for the debug log, without the bulky fields. */
function summarize(request: RequestMessage<ActionName>): string {
  // A chunk's attached bytes (a Buffer would be written as an array of numbers).
  const args = request.args as Record<string, unknown>;
  const shown = Buffer.isBuffer(args.data) ? { ...args, data: `<${args.data.length} bytes>` } : args;
  return JSON.stringify(shown, (key, value: unknown) => {
    if ((key === 'source' || key === 'snapshot' || key === 'data') && typeof value === 'string' && value.length > 64) return `<${value.length} chars>`;
    if (key === 'log' && Array.isArray(value)) return `<${value.length} lines>`;
    if (key === 'files' && value && typeof value === 'object' && 'main' in value) {
      const tree = value as { main: unknown; files: object };
      return `<${Object.keys(tree.files).length} files, main ${String(tree.main)}>`;
    }
    return value;
  });
}

/** What a duplicate of a request with a large reply gets instead of the reply itself. */
function duplicateOf(reply: ReplyMessage): ReplyMessage {
  return {
    v: reply.v,
    correlationId: reply.correlationId,
    agent: reply.agent,
    ok: false,
    error: { code: 'E_BAD_REQUEST', message: 'duplicate request: it was already answered and the answer was too large to keep' },
  };
}
