/** thingsctl ls: the agents online and their processes, from their retained statuses. */
import type { Command } from 'commander';
import { resolveBroker } from '../client/broker-url';
import { formatAgents } from '../client/format';
import { withSession } from '../client/session';

export function registerLs(program: Command): void {
  program
    .command('ls')
    .description('list the agents online and their processes')
    .argument('[url]', 'broker URL (default: --broker, $THINGSJS_BROKER or mqtt://localhost)')
    .option('--broker <url>', 'broker URL')
    .option('-a, --all', 'include offline agents')
    .option('--json', 'print the agent statuses as JSON')
    .action(async (urlOperand: string | undefined, options: { broker?: string; all?: boolean; json?: boolean }) => {
      const url = resolveBroker(urlOperand, options.broker);
      const agents = await withSession(url, {}, async ({ presence }) => (options.all ? presence.all() : presence.online()));
      process.stdout.write((options.json ? JSON.stringify(agents, null, 2) : formatAgents(agents)) + '\n');
    });
}
