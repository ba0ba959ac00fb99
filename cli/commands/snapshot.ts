import fs from 'node:fs';
import type { Command } from 'commander';
import { formatSummary, summarize } from '../../agent/snapshot/summary';
import { ErrorCodes, ThingsError } from '../../agent/shared/errors';

/**
 * `thingsctl snapshot show SNAP [--json] [--top N]`: what a snapshot holds, read without
 * running it. A corrupt or newer snapshot fails with E_SNAPSHOT_CORRUPT / E_SNAPSHOT_VERSION
 * (exit 1).
 */
export function registerSnapshot(program: Command): void {
  const snapshot = program.command('snapshot').description('inspect snapshot files');
  snapshot
    .command('show')
    .description('summarise a snapshot: program, modules, size, records by kind, pending timers, suspended functions, largest objects')
    .argument('<snap>', 'snapshot file')
    .option('--json', 'print the summary as JSON')
    .option('--top <n>', 'how many of the largest objects to list', '10')
    .action((file: string, opts: { json?: boolean; top: string }) => {
      const top = Number(opts.top);
      if (!Number.isInteger(top) || top < 0) throw new ThingsError(ErrorCodes.BAD_REQUEST, '--top takes a whole number');
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch (err) {
        throw new ThingsError(ErrorCodes.BAD_REQUEST, `cannot read ${file}: ${(err as Error).message}`);
      }
      const summary = summarize(text, { file, top });
      process.stdout.write(opts.json ? `${JSON.stringify(summary, null, 2)}\n` : `${formatSummary(summary)}\n`);
    });
}
