/**
 * thingsctl: the admin CLI. Each command lives in its own file under cli/commands and
 * registers itself on the commander program; this file owns process exit codes.
 *
 * Exit codes: 0 success, 1 the operation failed (an error reply, a capture error...),
 * 2 usage error.
 */
import { Command, CommanderError } from 'commander';
import { registerInstrument } from './commands/instrument';
import { registerRun } from './commands/run';
import { registerDispatch } from './commands/dispatch';
import { registerLs } from './commands/ls';
import { registerBroker } from './commands/broker';
import { registerSnapshot } from './commands/snapshot';
import { registerLogs } from './commands/logs';
import { registerTop } from './commands/top';

declare const THINGSJS_VERSION: string;

export function buildProgram(): Command {
  const program = new Command('thingsctl')
    .description('ThingsJS admin CLI: run, pause, resume, kill and live-migrate JavaScript programs on devices')
    .version(typeof THINGSJS_VERSION === 'string' ? THINGSJS_VERSION : '0.0.0')
    .showHelpAfterError()
    .exitOverride();
  registerDispatch(program);
  registerLs(program);
  registerTop(program);
  registerLogs(program);
  registerInstrument(program);
  registerRun(program);
  registerBroker(program);
  registerSnapshot(program);
  return program;
}

async function main(): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    const e = err as { code?: string; message?: string };
    process.stderr.write(`thingsctl: ${e.code ? e.code + ': ' : ''}${e.message ?? String(err)}\n`);
    process.exitCode = 1;
  }
}

void main();
