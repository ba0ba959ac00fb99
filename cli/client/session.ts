/**
 * A short-lived client session for one thingsctl command: connect, listen for replies and
 * agent statuses, run the command, disconnect. The session never outlives the command (a
 * forgotten socket would keep the CLI from exiting).
 */
import type { MqttClient } from 'mqtt';
import { ThingsError } from '../../agent/shared/errors';
import { closeSession, CREDENTIALS_REFUSED, openSession, whenConnected } from '../../agent/protocol/connection';
import { randomId } from '../../agent/protocol/ids';
import { Presence } from '../../agent/protocol/presence';
import { Requester } from '../../agent/protocol/requester';
import { createTopics, DEFAULT_TOPIC_ROOT, type Topics } from '../../agent/protocol/topics';

/** Errors that another attempt will not fix soon: report them instead of retrying until the
 *  timeout. (A broker that is starting refuses connections too: the demo and the tests wait
 *  for the broker to listen before they run thingsctl.) */
const FAIL_FAST = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH']);

/** A broker URL for messages: without its password. */
const shown = (url: string): string => url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*):[^@/]*@/i, '$1:***@');

export interface ClientSession {
  url: string;
  client: MqttClient;
  topics: Topics;
  requester: Requester;
  /** Complete: every retained agent status has arrived. */
  presence: Presence;
}

export interface SessionOptions {
  connectTimeoutMs?: number;
  topicPrefix?: string;
}

export async function withSession<T>(url: string, options: SessionOptions, fn: (s: ClientSession) => Promise<T>): Promise<T> {
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  const topics = createTopics(options.topicPrefix ?? process.env.THINGSJS_TOPIC_PREFIX ?? DEFAULT_TOPIC_ROOT);
  const clientId = `thingsctl-${randomId(10)}`;
  // Frequent retries: a CLI user waits, and the broker may be starting (the demo, tests).
  const client = openSession({ url, clientId, reconnectPeriodMs: 250, connectTimeoutMs });
  try {
    try {
      await whenConnected(client, connectTimeoutMs, { failFast: (err) => FAIL_FAST.has(String(err.code)) || (typeof err.code === 'number' && CREDENTIALS_REFUSED.has(err.code)) });
    } catch (err) {
      const e = err as Error & { code?: unknown };
      if (typeof e.code === 'number' && CREDENTIALS_REFUSED.has(e.code)) throw new ThingsError('E_NOT_AUTHORIZED', `the broker at ${shown(url)} refused the connection: ${e.message} (user name and password go in the URL: mqtt://USER:PASSWORD@host)`);
      if (FAIL_FAST.has(String(e.code))) throw new ThingsError('E_BROKER_UNREACHABLE', `cannot reach the broker at ${shown(url)}: ${e.message}`);
      throw new ThingsError('E_TIMEOUT', `cannot reach the broker at ${shown(url)}: ${e.message}`);
    }
    const requester = new Requester(client, topics, clientId);
    const presence = new Presence(client, topics, requester);
    await requester.start();
    await presence.start();
    await presence.sync();
    const session: ClientSession = { url, client, topics, requester, presence };
    try {
      return await fn(session);
    } finally {
      requester.stop();
      presence.stop();
    }
  } finally {
    await Promise.race([closeSession(client), new Promise((r) => setTimeout(r, 1000).unref())]);
    if (!client.disconnected) await closeSession(client, true);
  }
}
