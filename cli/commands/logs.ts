/**
 * thingsctl logs [URL] [AGENT] ID [-f]: a program's output as kept by the agent that holds
 * it (a bounded log file per program, see agent/daemon/program-logs.ts), asked for over
 * MQTT. With -f it then follows the program's output topic, which is per process id, so it
 * goes on across migrations (and agent restarts); it ends when the program has ended.
 *
 * Program stdout goes to stdout, program stderr to stderr. Output messages carry a `seq`
 * (the line's number over the program's life): lines that arrive while the log is being
 * fetched and that the log already holds are not printed twice.
 */
import type { Command } from 'commander';
import { ThingsError } from '../../agent/shared/errors';
import { isProcessId } from '../../agent/protocol/ids';
import { isTopicLevel } from '../../agent/protocol/topics';
import { LIVE_STATUSES, type OutputMessage, type ProcessRecord } from '../../agent/protocol/messages';
import type { Presence } from '../../agent/protocol/presence';
import { isBrokerUrl, resolveBroker } from '../client/broker-url';
import { withSession } from '../client/session';

interface LogsOptions {
  broker?: string;
  follow?: boolean;
  tail?: string;
  timestamps?: boolean;
  timeout: string;
}

const ENDED: ReadonlyArray<ProcessRecord['status']> = ['Exited', 'Failed', 'Killed'];
const LOG_LINE = /^(\S+) (out|err) (.*)$/;

export function registerLogs(program: Command): void {
  program
    .command('logs')
    .description("print a program's output kept by its agent; -f follows it (across migrations) until it ends")
    .usage('[URL] [AGENT] ID [-f] [-n LINES] [-t]')
    .argument('<operands...>', 'broker URL (optional), agent (optional: found from its status) and process id')
    .option('--broker <url>', 'broker URL when no URL operand is given (default: $THINGSJS_BROKER or mqtt://localhost)')
    .option('-f, --follow', 'then print new output as it comes, until the program ends (or Ctrl-C)')
    .option('-n, --tail <lines>', 'only the last LINES lines of the log')
    .option('-t, --timestamps', 'prefix every line with its time and stream (out/err)')
    .option('--timeout <seconds>', 'how long to wait for the agent', '30')
    .action(async (operands: string[], options: LogsOptions) => {
      const ops = [...operands];
      const urlOperand = isBrokerUrl(ops[0]) ? ops.shift() : undefined;
      const usage = new ThingsError('E_BAD_REQUEST', 'usage: thingsctl logs [URL] [AGENT] ID [-f] [-n LINES] [-t]');
      if (ops.length < 1 || ops.length > 2) throw usage;
      const id = ops[ops.length - 1];
      const named = ops.length === 2 ? ops[0] : undefined;
      if (!isProcessId(id)) throw new ThingsError('E_BAD_REQUEST', `${JSON.stringify(id)} is not a process id (8 characters [A-Za-z0-9])`);
      if (named !== undefined && !isTopicLevel(named)) throw new ThingsError('E_BAD_REQUEST', `${JSON.stringify(named)} is not a valid agent id`);
      const tail = options.tail === undefined ? undefined : Number(options.tail);
      if (tail !== undefined && (!Number.isInteger(tail) || tail <= 0)) throw new ThingsError('E_BAD_REQUEST', `--tail ${options.tail} is not a number of lines`);
      const timeoutMs = Number(options.timeout) * 1000;
      if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new ThingsError('E_BAD_REQUEST', `--timeout ${options.timeout} is not a positive number of seconds`);
      const url = resolveBroker(urlOperand, options.broker);

      await withSession(url, {}, async ({ client, topics, presence, requester }) => {
        const write = (stream: 'stdout' | 'stderr', text: string): void => void process[stream].write(text);

        // Subscribed before the log is fetched: nothing printed in between is missed.
        const outTopic = topics.processOutput(id);
        const early: OutputMessage[] = [];
        let onLive: ((m: OutputMessage) => void) | undefined;
        if (options.follow) {
          client.on('message', (topic, payload) => {
            if (topic !== outTopic) return;
            let m: OutputMessage;
            try {
              m = JSON.parse(payload.toString()) as OutputMessage;
            } catch {
              return;
            }
            if (!m || typeof m.data !== 'string') return;
            if (onLive) onLive(m);
            else early.push(m);
          });
          await client.subscribeAsync(outTopic, { qos: 1 });
        }

        let agent = named;
        if (agent === undefined) {
          const holder = latestRecord(presence, id);
          if (!holder) throw new ThingsError('E_UNKNOWN_PROCESS', `no online agent has a process ${id} (name the agent: thingsctl logs AGENT ${id})`);
          agent = holder.agent;
        } else {
          presence.requireOnline(agent);
        }
        const log = await requester.request(agent, 'logs', { id, tail }, timeoutMs);
        for (const line of log.lines) {
          const m = LOG_LINE.exec(line);
          if (!m) write('stdout', `${line}\n`);
          else write(m[2] === 'err' ? 'stderr' : 'stdout', options.timestamps ? `${line}\n` : `${m[3]}\n`);
        }
        if (!options.follow) return;

        let lastSeq = log.seq ?? 0;
        let caughtUp = log.seq === undefined;
        await new Promise<void>((resolve) => {
          const finish = (): void => {
            process.off('SIGINT', finish);
            process.off('SIGTERM', finish);
            resolve();
          };
          const checkEnd = (): void => {
            const r = latestRecord(presence, id);
            if (r && ENDED.includes(r.status) && (r.outputLines === undefined || lastSeq >= r.outputLines)) finish();
          };
          const print = (m: OutputMessage): void => {
            if (typeof m.seq === 'number') {
              if (!caughtUp && m.seq <= lastSeq) return; // already in the log printed above
              caughtUp = true;
              lastSeq = m.seq;
            }
            const stream = m.stream === 'stderr' ? 'stderr' : 'stdout';
            const text = m.data.endsWith('\n') ? m.data : `${m.data}\n`;
            write(stream, options.timestamps ? `${new Date().toISOString()} ${stream === 'stdout' ? 'out' : 'err'} ${text}` : m.data);
            checkEnd();
          };
          for (const m of early.splice(0)) print(m);
          onLive = print;
          presence.onChange(checkEnd);
          process.once('SIGINT', finish);
          process.once('SIGTERM', finish);
          checkEnd();
        });
      });
    });
}

/** The record that says where the program is now: a live one; else (it has ended) the
 *  record of the agent where it ended, not the Migrated records it left on its way. */
function latestRecord(presence: Presence, id: string): ProcessRecord | undefined {
  const records = presence.online().flatMap((a) => (a.processes ?? []).filter((p) => p.id === id));
  return records.find((p) => LIVE_STATUSES.includes(p.status)) ?? records.find((p) => p.status !== 'Migrated') ?? records[0];
}
