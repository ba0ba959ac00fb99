/**
 * Every MQTT topic of the protocol is built here, and only here.
 *
 *   <root>/agents/<agent>/status   retained presence + process table of one agent
 *   <root>/agents/<agent>/req      requests to one agent
 *   <root>/agents/<agent>/reply    replies to the requests an agent makes (migration)
 *   <root>/clients/<client>/reply  replies to one requester (a thingsctl run)
 *   <root>/procs/<process>/out     a program's stdout/stderr, one message per line
 *
 * An agent's topics all live under agents/<agent>/, so a broker ACL can give each device
 * exactly its own (packaging/mosquitto-acl.conf): a device reads its `req` and `reply`,
 * writes its `status`, writes replies to clients; it cannot command, or answer for,
 * another device.
 *
 * The root defaults to `thingsjs/v1` and is configurable (topic_prefix) so that several
 * fleets can share one broker. No broker-specific ($SYS, $share) topics: the protocol must
 * work on any broker, clustered ones included.
 */
import { ThingsError } from '../shared/errors';

export const DEFAULT_TOPIC_ROOT = 'thingsjs/v1';

export interface Topics {
  readonly root: string;
  agentStatus(agentId: string): string;
  /** Filter matching every agent's status topic. */
  readonly allAgentStatus: string;
  agentRequest(agentId: string): string;
  /** Where an agent's own requests (to other agents) are answered. */
  agentReply(agentId: string): string;
  clientReply(clientId: string): string;
  /** True when `topic` is a requester's reply topic, a client's or an agent's (the only
   *  places replies go). */
  isReplyTopic(topic: string): boolean;
  processOutput(processId: string): string;
  /** The agent id of a status topic, or undefined when `topic` is not one. */
  agentOfStatusTopic(topic: string): string | undefined;
}

/** True when `s` can be one topic level: not empty, no wildcard, no separator. */
export function isTopicLevel(s: string): boolean {
  return s.length > 0 && !/[/+#\u0000]/.test(s);
}

function level(kind: string, s: string): string {
  if (!isTopicLevel(s)) throw new ThingsError('E_BAD_REQUEST', `invalid ${kind} ${JSON.stringify(s)}: must be non-empty without '/', '+', '#'`);
  return s;
}

export function createTopics(root: string = DEFAULT_TOPIC_ROOT): Topics {
  const r = root.replace(/\/+$/, '');
  if (r === '' || /[+#]/.test(r)) throw new ThingsError('E_CONFIG', `invalid topic prefix ${JSON.stringify(root)}: must be non-empty without '+' or '#'`);
  const statusPrefix = `${r}/agents/`;
  const statusSuffix = '/status';
  return {
    root: r,
    agentStatus: (id) => `${statusPrefix}${level('agent id', id)}${statusSuffix}`,
    allAgentStatus: `${statusPrefix}+${statusSuffix}`,
    agentRequest: (id) => `${r}/agents/${level('agent id', id)}/req`,
    agentReply: (id) => `${r}/agents/${level('agent id', id)}/reply`,
    clientReply: (id) => `${r}/clients/${level('client id', id)}/reply`,
    isReplyTopic(topic) {
      if (!topic.endsWith('/reply')) return false;
      for (const prefix of [`${r}/clients/`, `${r}/agents/`]) {
        if (topic.startsWith(prefix) && isTopicLevel(topic.slice(prefix.length, topic.length - '/reply'.length))) return true;
      }
      return false;
    },
    processOutput: (id) => `${r}/procs/${level('process id', id)}/out`,
    agentOfStatusTopic(topic) {
      if (!topic.startsWith(statusPrefix) || !topic.endsWith(statusSuffix)) return undefined;
      const id = topic.slice(statusPrefix.length, topic.length - statusSuffix.length);
      return isTopicLevel(id) ? id : undefined;
    },
  };
}
