/**
 * The agent: composes the components and starts/stops them in order. The constructor only
 * builds; `start()` does the work; `stop()` undoes it in reverse.
 *
 *   start: state dir → supervisor (ready to run programs) → MQTT session (connects in the
 *          background; on connect: subscribe, then publish the online status)
 *   stop:  stop taking requests → kill the programs → offline status → disconnect
 */
import path from 'node:path';
import type { AgentConfig } from './config';
import { createLogger, programOutput, type Logger } from './logger';
import { MqttSession } from './mqtt-session';
import { RequestServer } from './request-server';
import { StateDir } from './state-dir';
import { Supervisor } from './supervisor';
import { createTopics, type Topics } from '../protocol/topics';
import { Presence } from '../protocol/presence';
import { Requester } from '../protocol/requester';
import type { OutputMessage } from '../protocol/messages';
import { PROTOCOL_VERSION } from '../protocol/version';

export class Agent {
  private readonly log: Logger;
  private readonly topics: Topics;
  private readonly stateDir: StateDir;
  private readonly session: MqttSession;
  private supervisor: Supervisor | undefined;
  private requests: RequestServer | undefined;
  private presence: Presence | undefined;
  private requester: Requester | undefined;

  constructor(
    private readonly config: AgentConfig,
    /** dist/child.js, the program host. */
    private readonly childScript: string = path.join(__dirname, 'child.js'),
  ) {
    this.log = createLogger('agent');
    this.topics = createTopics(config.broker.topicPrefix);
    this.stateDir = new StateDir(config.stateDir, config.id);
    this.session = new MqttSession(config.id, config.broker, this.topics, this.log.child('mqtt'));
  }

  start(): void {
    const { id } = this.config;
    for (const w of this.config.warnings) this.log.warn(w);
    this.stateDir.start();

    const supervisor = new Supervisor({ agentId: id, childScript: this.childScript, workDir: this.stateDir.path, programsDir: this.stateDir.programsDir, log: this.log.child('proc') });
    this.supervisor = supervisor;

    this.session.setProcessSource(() => supervisor.list());
    this.session.start();
    const client = this.session.mqtt;

    const requester = new Requester(client, this.topics, `agent-${id}`, this.topics.agentReply(id));
    const presence = new Presence(client, this.topics, requester);
    const requests = new RequestServer(id, this.topics, { agentId: id, supervisor, presence, requester, stateDir: this.stateDir, migrateTimeoutMs: this.config.migrateTimeoutMs, log: this.log.child('req') }, this.log.child('req'));
    requester.attach();
    presence.attach();
    requests.attach(client);
    this.requester = requester;
    this.presence = presence;
    this.requests = requests;
    this.session.subscribe([requests.topic, requester.topic, this.topics.allAgentStatus]);

    supervisor.on('change', () => void this.session.publishStatus());
    supervisor.on('output', (pid, stream, line) => this.onOutput(pid, stream, line));

    this.log.info(`agent ${id} initialised (broker ${this.config.broker.urls.join(' ')}, state ${this.stateDir.path}, node ${process.version})`);
  }

  async stop(): Promise<void> {
    this.requests?.detach();
    await this.supervisor?.stopAll();
    this.requester?.stop();
    this.presence?.stop();
    await this.session.stop();
    this.log.info(`agent ${this.config.id} stopped`);
  }

  private onOutput(processId: string, stream: 'stdout' | 'stderr', line: string): void {
    programOutput(processId, stream, line.endsWith('\n') ? line.slice(0, -1) : line);
    // Held (within limits) while the broker is unreachable, delivered in order afterwards.
    const message: OutputMessage = { v: PROTOCOL_VERSION, agent: this.config.id, id: processId, stream, data: line };
    this.session.publishOutput(message);
  }
}
