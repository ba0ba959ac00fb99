/**
 * thingsctl top: CPU and memory of every agent and its programs, from their retained
 * statuses (each agent publishes them every stats interval, 10 s by default). Redraws on
 * every status update; `--once` prints the table once and exits (scripts, tests).
 */
import type { Command } from 'commander';
import type { AgentStatus } from '../../agent/protocol/messages';
import { resolveBroker } from '../client/broker-url';
import { formatTop } from '../client/format';
import { withSession } from '../client/session';

interface TopOptions {
  broker?: string;
  once?: boolean;
  all?: boolean;
  json?: boolean;
}

export function registerTop(program: Command): void {
  program
    .command('top')
    .description('show CPU and memory of the agents and their programs, refreshed as agents report')
    .argument('[url]', 'broker URL (default: --broker, $THINGSJS_BROKER or mqtt://localhost)')
    .option('--broker <url>', 'broker URL')
    .option('--once', 'print once and exit')
    .option('-a, --all', 'include offline agents')
    .option('--json', 'with --once: print the agent statuses as JSON')
    .action(async (urlOperand: string | undefined, options: TopOptions) => {
      const url = resolveBroker(urlOperand, options.broker);
      await withSession(url, {}, async ({ presence }) => {
        const agents = (): AgentStatus[] => (options.all ? presence.all() : presence.online());
        if (options.once) {
          process.stdout.write((options.json ? JSON.stringify(agents(), null, 2) : formatTop(agents())) + '\n');
          return;
        }
        const tty = process.stdout.isTTY === true;
        const draw = (): void => {
          // Home and clear on a terminal; a plain sequence of tables elsewhere.
          process.stdout.write((tty ? '\x1b[H\x1b[2J' : '\n') + formatTop(agents()) + '\n');
        };
        let pending: NodeJS.Timeout | undefined;
        presence.onChange(() => {
          // Several agents report at nearly the same time: one redraw for them.
          pending ??= setTimeout(() => {
            pending = undefined;
            draw();
          }, 200);
        });
        draw();
        await new Promise<void>((resolve) => {
          const stop = (): void => {
            clearTimeout(pending);
            resolve();
          };
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
      });
    });
}
