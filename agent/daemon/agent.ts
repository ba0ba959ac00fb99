/**
 * The agent: composes the components and starts/stops them in order. The constructor only
 * builds; `start()` does the work; `stop()` undoes it in reverse.
 *
 *   start: state dir (checkpoints, logs, migration journal: what a restart interrupted is
 *          decided before any program comes back) → supervisor (ends hosts a crashed agent
 *          left behind) → MQTT session (connects in the background; on connect: subscribe, then publish
 *          the online status) → programs restored from their checkpoints → READY=1 to
 *          systemd → periodic checkpoints, stats and watchdog pings
 *   stop:  STOPPING=1 → stop taking requests → checkpoint every program, then stop them (within
 *          the stop budget) → offline status → disconnect
 */
import path from 'node:path';
import type { AgentConfig } from './config';
import { createLogger, programOutput, type Logger } from './logger';
import { MqttSession } from './mqtt-session';
import { RequestServer } from './request-server';
import { StateDir } from './state-dir';
import { closeSpoolDir, openSpoolDir } from './spool-dir';
import { Supervisor } from './supervisor';
import { CheckpointStore, type Saved } from './checkpoints';
import { ProgramLogs } from './program-logs';
import { SdNotify } from './sd-notify';
import { SelfSampler } from './stats';
import { Faults } from './faults';
import { MigrationJournal } from './migration-journal';
import { MigrationSource } from './migration-source';
import { MigrationTarget } from './migration-target';
import type { HandoffDeps } from './handoff';
import { createTopics, type Topics } from '../protocol/topics';
import { Presence } from '../protocol/presence';
import { Requester } from '../protocol/requester';
import { publishJson } from '../protocol/connection';
import type { AgentStatus, OutputMessage } from '../protocol/messages';
import { PROTOCOL_VERSION } from '../protocol/version';

export interface AgentOptions {
  /** dist/child.js, the program host. */
  childScript?: string;
  /** The whole of a stop (SIGTERM): checkpoints, stopping the programs, the offline status.
   *  Default 10 s, within systemd's default TimeoutStopSec of 90 s with room to spare. */
  stopTimeoutMs?: number;
  /** How often the agent's and its programs' CPU and memory are published (in the retained
   *  status). Default 10 s. */
  statsIntervalMs?: number;
  /** Environment for the systemd notifications (NOTIFY_SOCKET, WATCHDOG_USEC), and
   *  THINGSJS_FAULTS (test-only fault injection, ./faults.ts). */
  env?: NodeJS.ProcessEnv;
}

/** Programs restored at once at start-up (each restore is a process start and a parse). */
const RESTORE_CONCURRENCY = 2;

export class Agent {
  private readonly log: Logger;
  private readonly topics: Topics;
  private readonly stateDir: StateDir;
  private readonly session: MqttSession;
  private readonly checkpoints: CheckpointStore;
  private programLogs: ProgramLogs | undefined;
  private readonly notify: SdNotify;
  private readonly journal: MigrationJournal;
  private readonly faults: Faults;
  private migrationSource: MigrationSource | undefined;
  private migrationTarget: MigrationTarget | undefined;
  private readonly selfSampler = new SelfSampler();
  private readonly options: Required<Omit<AgentOptions, 'env'>>;
  private supervisor: Supervisor | undefined;
  /** Large snapshots to and from the program hosts (./spool-dir.ts). */
  private spoolDir: string | undefined;
  private requests: RequestServer | undefined;
  private presence: Presence | undefined;
  private requester: Requester | undefined;
  private agentStats: AgentStatus['stats'];
  private checkpointTimer: NodeJS.Timeout | undefined;
  private statsTimer: NodeJS.Timeout | undefined;
  private restoring: Promise<void> = Promise.resolve();
  private stopping = false;
  private readonly startedAt = Date.now();

  constructor(
    private readonly config: AgentConfig,
    options: AgentOptions = {},
  ) {
    this.options = {
      childScript: options.childScript ?? path.join(__dirname, 'child.js'),
      stopTimeoutMs: options.stopTimeoutMs ?? 10_000,
      statsIntervalMs: options.statsIntervalMs ?? 10_000,
    };
    this.log = createLogger('agent');
    this.topics = createTopics(config.broker.topicPrefix);
    this.stateDir = new StateDir(config.stateDir, config.id);
    this.checkpoints = new CheckpointStore(this.stateDir);
    this.session = new MqttSession(config.id, config.broker, this.topics, this.log.child('mqtt'));
    this.notify = new SdNotify({ env: options.env, log: this.log.child('systemd') });
    this.journal = new MigrationJournal(this.stateDir, this.log.child('migrate'));
    this.faults = Faults.fromEnv(options.env ?? process.env);
  }

  get stopTimeoutMs(): number {
    return this.options.stopTimeoutMs;
  }

  /** Local initialisation, then the programs of the previous run come back; resolves when
   *  they have (READY=1 is sent then). Throws E_CONFIG when the state directory is unusable. */
  async start(): Promise<void> {
    const { id } = this.config;
    for (const w of this.config.warnings) this.log.warn(w);
    this.stateDir.start();
    this.checkpoints.start();
    const programLogs = new ProgramLogs(this.stateDir.logsDir);
    this.programLogs = programLogs;
    programLogs.start();
    if (this.faults.enabled) this.log.warn(`FAULT INJECTION (tests only): ${this.faults.describe()}`);
    // What a restart interrupted is decided before any program comes back: an undecided
    // migration's original comes back from its capture, a committed one's never does, and
    // a prepared copy comes back as a copy, not as a program.
    this.journal.start();
    // Filled in two steps: what recovery needs now, the MQTT side once the session exists.
    const handoffDeps = { agentId: id, journal: this.journal, faults: this.faults, log: this.log.child('migrate') } as HandoffDeps;
    const migrationSource = new MigrationSource(handoffDeps);
    const migrationTarget = new MigrationTarget(handoffDeps);
    this.migrationSource = migrationSource;
    this.migrationTarget = migrationTarget;
    migrationSource.recover(this.checkpoints);
    const preparedCopies = migrationTarget.recover();
    const saved = this.checkpoints.loadAll((pid, err, aside) => this.log.error(`process ${pid}: ${err.code}: ${err.message}; kept as ${aside}, not restored (the other programs are)`)).filter((s) => {
      // A target's copy whose journal entry was never written (killed between the two
      // writes, so the prepare was never answered), or that was aborted, goes.
      const m = s.checkpoint?.preparedFor;
      const phase = m === undefined ? undefined : this.journal.get(m)?.phase;
      if (m === undefined || phase === 'prepared' || phase === 'committed') return true;
      this.log.warn(`process ${s.id}: the copy of migration ${m} was never prepared here (${phase ?? 'no journal entry'}); removed`);
      this.checkpoints.remove(s.id);
      return false;
    });
    const keep = new Set(saved.map((s) => s.id));
    this.stateDir.clearPrograms(keep);
    programLogs.prune(keep, 50);

    const supervisor = new Supervisor({
      agentId: id,
      childScript: this.options.childScript,
      workDir: this.stateDir.path,
      programsDir: this.stateDir.programsDir,
      childrenDir: this.stateDir.childrenDir,
      checkpoints: this.checkpoints,
      logs: programLogs,
      memoryLimitBytes: this.config.memoryLimitBytes,
      spoolDir: (this.spoolDir = openSpoolDir((m) => this.log.warn(m))),
      log: this.log.child('proc'),
    });
    this.supervisor = supervisor;
    supervisor.start();

    this.session.setProcessSource(() => supervisor.list());
    this.session.setStatsSource(() => this.agentStats);
    this.agentStats = { ...this.selfSampler.sample(), uptime: this.uptime() };
    this.session.start();
    const client = this.session.mqtt;

    const requester = new Requester(client, this.topics, `agent-${id}`, this.topics.agentReply(id));
    const presence = new Presence(client, this.topics, requester);
    const requests = new RequestServer(
      id,
      this.topics,
      { agentId: id, supervisor, presence, requester, source: migrationSource, target: migrationTarget, log: this.log.child('req') },
      this.log.child('req'),
    );
    const retryMs = this.config.migrateRetryMs;
    Object.assign(handoffDeps, {
      agentId: id,
      supervisor,
      journal: this.journal,
      requester,
      presence,
      faults: this.faults,
      log: this.log.child('migrate'),
      settings: {
        migrateTimeoutMs: this.config.migrateTimeoutMs,
        retryMs,
        retryCapMs: Math.max(retryMs, Math.min(30_000, retryMs * 15)),
        statusIntervalMs: this.config.migrateStatusIntervalMs,
        maxPacketBytes: () => this.session.maxPacketBytes,
      },
      send: (route, message) => requests.send(route, message),
    } satisfies HandoffDeps);
    if (this.faults.enabled) {
      const faults = this.faults;
      requester.sendHook = (action) => faults.message('source', `send-${action}`, ['drop', 'dup']) as 'drop' | 'dup' | undefined;
      const roleOf = (action: string): 'source' | 'target' => (action === 'migrate' || action === 'migration-status' ? 'source' : 'target');
      requests.hooks = {
        reply: (action) => faults.message(roleOf(action), `reply-${action}`, ['drop', 'dup']) as 'drop' | 'dup' | undefined,
        afterReply: (action) => (action === 'commit' ? faults.step('target', 'after-commit-ack') : Promise.resolve()),
      };
    }
    requester.attach();
    presence.attach();
    requests.attach(client);
    this.requester = requester;
    this.presence = presence;
    this.requests = requests;
    this.session.subscribe([requests.topic, requester.topic, this.topics.allAgentStatus]);

    supervisor.on('change', () => {
      void this.session.publishStatus();
      this.updateStatusLine();
    });
    supervisor.on('output', (pid, stream, line, seq) => this.onOutput(pid, stream, line, seq));
    client.on('connect', () => this.updateStatusLine());
    client.on('offline', () => this.updateStatusLine());

    this.log.info(`agent ${id} initialised (broker ${this.config.broker.urls.join(' ')}, state ${this.stateDir.path}, node ${process.version})`);

    const started = Date.now();
    this.restoring = Promise.all([this.restoreAll(saved.filter((s) => !preparedCopies.has(s.id))), migrationTarget.restorePrepared()]).then(() => undefined);
    migrationSource.start();
    await this.restoring;
    migrationTarget.start();
    if (this.stopping) return;
    if (saved.length > 0) this.log.info(`${supervisor.liveCount} of ${saved.length} programs restored in ${Date.now() - started} ms`);
    this.notify.ready(this.statusLine());
    this.notify.startWatchdog();
    this.scheduleCheckpoints();
    this.statsTimer = setInterval(() => this.publishStats(), this.options.statsIntervalMs);
    this.statsTimer.unref();
  }

  async stop(): Promise<void> {
    const started = Date.now();
    this.stopping = true;
    const live = this.supervisor?.liveCount ?? 0;
    this.notify.stopping(`stopping: checkpointing ${plural(live, 'program')}`);
    this.requests?.detach();
    this.migrationSource?.stop();
    this.migrationTarget?.stop();
    clearTimeout(this.checkpointTimer);
    clearInterval(this.statsTimer);
    // MQTT gets the last ~5 s of the budget (mqtt-session.stop bounds its two steps to 2 s each).
    const budget = Math.max(this.options.stopTimeoutMs / 2, this.options.stopTimeoutMs - 5000);
    // Programs still being restored at start-up are checkpointed too once they are back.
    await Promise.race([this.restoring, sleep(budget / 4)]);
    if (this.supervisor) {
      const r = await this.supervisor.shutdown(budget - (Date.now() - started));
      this.log.info(`${plural(r.checkpointed, 'program')} checkpointed${r.failed ? `, ${r.failed} not` : ''} and stopped in ${r.ms} ms`);
    }
    this.requester?.stop();
    this.presence?.stop();
    await this.session.stop();
    this.programLogs?.closeAll();
    closeSpoolDir(this.spoolDir);
    await this.notify.flush(500);
    this.log.info(`agent ${this.config.id} stopped in ${Date.now() - started} ms`);
  }

  /** Last resort when a stop overruns its budget: SIGKILL every program now. */
  killProgramsNow(): void {
    this.supervisor?.killAllNow();
  }

  private async restoreAll(saved: Saved[]): Promise<void> {
    const supervisor = this.supervisor;
    if (!supervisor || saved.length === 0) return;
    this.notify.status(`restoring ${plural(saved.length, 'program')}`);
    const queue = [...saved];
    const worker = async (): Promise<void> => {
      for (let s = queue.shift(); s && !this.stopping; s = queue.shift()) await supervisor.restoreSaved(s);
    };
    await Promise.all(Array.from({ length: RESTORE_CONCURRENCY }, worker));
  }

  /** Checkpoints every program each checkpoint_interval (after the previous round ended). */
  private scheduleCheckpoints(): void {
    const every = this.config.checkpointIntervalMs;
    if (every <= 0 || this.stopping) return;
    this.checkpointTimer = setTimeout(() => {
      const supervisor = this.supervisor;
      if (!supervisor || this.stopping) return;
      supervisor
        .checkpointAll()
        .then((r) => {
          if (r.programs > 0) this.log.debug(() => `checkpoint: ${plural(r.programs, 'program')}, ${r.bytes} bytes in ${r.ms} ms`);
        })
        .catch((err: Error) => this.log.error(`checkpoint round failed: ${err.stack ?? err.message}`))
        .finally(() => this.scheduleCheckpoints());
    }, every);
  }

  private publishStats(): void {
    this.agentStats = { ...this.selfSampler.sample(), uptime: this.uptime() };
    void this.session.publishStatus();
  }

  private uptime(): number {
    return Math.round((Date.now() - this.startedAt) / 1000);
  }

  private statusLine(): string {
    const programs = plural(this.supervisor?.liveCount ?? 0, 'program');
    const url = this.config.broker.url;
    return this.session.connected ? `connected to ${url}, ${programs}` : `not connected to ${url} (retrying), ${programs}`;
  }

  private updateStatusLine(): void {
    if (!this.stopping) this.notify.status(this.statusLine());
  }

  private onOutput(processId: string, stream: 'stdout' | 'stderr', line: string, seq: number): void {
    programOutput(processId, stream, line.endsWith('\n') ? line.slice(0, -1) : line);
    // Held (within limits) while the broker is unreachable, delivered in order afterwards.
    const message: OutputMessage = { v: PROTOCOL_VERSION, agent: this.config.id, id: processId, stream, data: line, seq };
    this.session.publishOutput(message);
  }
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
