/**
 * thingsjs-agent: the device daemon's entry point. It owns the command line, the signals and
 * the exit codes; everything else lives in Agent.
 *
 *   thingsjs-agent [--config FILE | FILE] [--id ID] [--broker URL] [--state-dir DIR]
 *                  [--stop-timeout SECONDS] [--stats-interval SECONDS]
 *   thingsjs-agent --check-config [--config FILE]    validate, print a summary, exit
 *
 * SIGTERM/SIGINT: the agent checkpoints its programs, stops them and exits within the stop
 * timeout (default 10 s); past it, it kills the programs and exits 1 (they come back from
 * their previous checkpoints). A second signal exits at once.
 *
 * Exit codes: 0 stopped by SIGTERM/SIGINT, 1 crashed (or a stop overran its timeout), 2 usage
 * error, 78 (EX_CONFIG) bad configuration — a unit can say RestartPreventExitStatus=78 so
 * that systemd does not restart a daemon that cannot work until someone edits its file.
 * `--check-config` exits 0 or 78 with the same report the daemon would give.
 */
import { Command, CommanderError } from 'commander';
import { ThingsError } from '../shared/errors';
import { PRODUCT_VERSION } from '../protocol/version';
import { Agent } from './agent';
import { loadConfig, summarizeConfig } from './config';
import { configureLogging, createLogger } from './logger';

const EXIT_CONFIG = 78;

interface Flags {
  config?: string;
  id?: string;
  broker?: string;
  stateDir?: string;
  checkConfig?: boolean;
  stopTimeout?: string;
  statsInterval?: string;
}

function parseArgs(argv: string[]): { file?: string; flags: Flags } {
  const cmd = new Command('thingsjs-agent')
    .description('ThingsJS device agent: runs programs and migrates them on request over MQTT')
    .version(PRODUCT_VERSION)
    .argument('[file]', 'configuration file (INI, or the old worker JSON)')
    .option('-c, --config <file>', 'configuration file (default /etc/thingsjs/agent.conf)')
    .option('--id <id>', 'agent id (overrides [agent] id)')
    .option('--broker <url>', 'broker URL or host[:port] (overrides [broker] address)')
    .option('--state-dir <dir>', 'state directory (overrides [agent] state_dir)')
    .option('--check-config', 'check the configuration (every problem at once), print a summary and exit: 0 when valid, 78 when not')
    .option('--stop-timeout <seconds>', 'bound of a stop: checkpoint, stop the programs, say goodbye (default 10)')
    .option('--stats-interval <seconds>', 'how often CPU and memory are published (default 10)')
    .exitOverride()
    .parse(argv);
  const flags = cmd.opts<Flags>();
  const positional = cmd.args[0];
  if (positional !== undefined && flags.config !== undefined && positional !== flags.config) {
    throw new ThingsError('E_CONFIG', `two configuration files given (${flags.config} and ${positional}); use one`);
  }
  return { file: flags.config ?? positional, flags };
}

function fail(err: unknown, code: number): never {
  const e = err as { code?: string; message?: string };
  process.stderr.write(`thingsjs-agent: ${e.code ? `${e.code}: ` : ''}${e.message ?? String(err)}\n`);
  process.exit(code);
}

function main(): void {
  let file: string | undefined;
  let flags: Flags;
  try {
    ({ file, flags } = parseArgs(process.argv));
  } catch (err) {
    if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
    fail(err, EXIT_CONFIG);
  }

  if (flags.checkConfig) {
    try {
      const config = loadConfig(file, { id: flags.id, broker: flags.broker, stateDir: flags.stateDir });
      process.stdout.write(summarizeConfig(config));
      process.exit(0);
    } catch (err) {
      fail(err, err instanceof ThingsError && err.code === 'E_CONFIG' ? EXIT_CONFIG : 1);
    }
  }

  let agent: Agent;
  try {
    const config = loadConfig(file, { id: flags.id, broker: flags.broker, stateDir: flags.stateDir });
    configureLogging({ level: config.logLevel, format: config.logFormat });
    agent = new Agent(config, { stopTimeoutMs: seconds(flags.stopTimeout, '--stop-timeout'), statsIntervalMs: seconds(flags.statsInterval, '--stats-interval') });
  } catch (err) {
    fail(err, err instanceof ThingsError && err.code === 'E_CONFIG' ? EXIT_CONFIG : 1);
  }
  const configError = (err: unknown): void => fail(err, err instanceof ThingsError && err.code === 'E_CONFIG' ? EXIT_CONFIG : 1);

  const log = createLogger('main');
  let stopping = false;
  const shutdown = (signal: string, code = 0): void => {
    if (stopping) {
      log.warn(`${signal} again: exiting without cleaning up`);
      agent.killProgramsNow();
      process.exit(1);
    }
    stopping = true;
    log.info(`${signal}: stopping`);
    // The bound a service manager can count on, whatever hangs (a broker that never acks,
    // a program host that never answers).
    const overrun = setTimeout(() => {
      log.error(`stopping took more than ${agent.stopTimeoutMs / 1000} s: exiting now; programs not checkpointed come back from their previous checkpoints`);
      agent.killProgramsNow();
      process.exit(1);
    }, agent.stopTimeoutMs);
    agent.stop().then(
      () => {
        clearTimeout(overrun);
        process.exit(code);
      },
      (err: Error) => {
        log.error(`stop failed: ${err.message}`);
        agent.killProgramsNow();
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  // A bug in one request must not take the daemon (and every program on it) down.
  process.on('unhandledRejection', (reason) => log.error(`unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`));
  process.on('uncaughtException', (err) => {
    log.error(`uncaught exception: ${err.stack ?? err.message}`);
    // The agent's state is unknown now: stop the programs cleanly and let systemd restart us.
    if (!stopping) shutdown('crash', 1);
  });
  agent.start().catch(configError);
}

/** A flag in seconds, as milliseconds (undefined when not given). */
function seconds(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new ThingsError('E_CONFIG', `${flag} ${JSON.stringify(value)} is not a positive number of seconds`);
  return n * 1000;
}

main();
