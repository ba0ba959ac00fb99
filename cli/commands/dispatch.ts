/**
 * thingsctl dispatch: send one request to an agent and print its answer. Operand forms are
 * in ../client/dispatch-args.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { ThingsError } from '../../agent/shared/errors';
import { RESTART_POLICIES, type FileTree, type ProcessRecord, type RestartPolicy } from '../../agent/protocol/messages';
import { newMigrationId } from '../../agent/protocol/ids';
import { packDirectory } from '../../agent/protocol/file-tree';
import { resolveProgram } from '../../agent/host/program';
import { resolveBroker } from '../client/broker-url';
import { parseDispatch, parseSize, type DispatchPlan } from '../client/dispatch-args';
import { formatRecord } from '../client/format';
import { formatMigrationTiming, MigrationProgressLine, whereIsProcess } from '../client/migration-report';
import { withSession, type ClientSession } from '../client/session';

interface DispatchOptions {
  broker?: string;
  timeout: string;
  out?: string;
  restart?: string;
  memoryLimit?: string;
  progress?: boolean;
}

/** Options of `run` only. */
interface RunSettings {
  restart?: RestartPolicy;
  memoryLimit?: number;
}

export function registerDispatch(program: Command): void {
  program
    .command('dispatch')
    .description('run, migrate, pause, resume or kill a program on an agent')
    .usage('[URL] run AGENT FILE|DIR | [URL] migrate SOURCE TARGET FILE ID | [URL] migrate ID TARGET | [URL] pause|resume|kill [AGENT [FILE]] ID')
    .argument('<operands...>', 'broker URL (optional), action and its operands')
    .option('--broker <url>', 'broker URL when no URL operand is given (default: $THINGSJS_BROKER or mqtt://localhost)')
    .option('--timeout <seconds>', 'how long to wait for the answer', '60')
    .option('-o, --out <file>', 'snapshot: write the snapshot to this file instead of stdout')
    .option('--restart <policy>', `run: what the agent does when the program fails: ${RESTART_POLICIES.join(' or ')} (default never)`)
    .option('--memory-limit <size>', "run: the program's memory limit, such as 128M (default: the agent's memory_limit)")
    .option('--progress', 'migrate: show progress on stderr once it takes more than a second (default when stderr is a terminal)')
    .option('--no-progress', 'migrate: never show progress')
    .action(async (operands: string[], options: DispatchOptions) => {
      const { brokerOperand, plan } = parseDispatch(operands);
      const settings: RunSettings = {};
      if (options.restart !== undefined || options.memoryLimit !== undefined) {
        if (plan.action !== 'run') throw new ThingsError('E_BAD_REQUEST', '--restart and --memory-limit go with run');
        if (options.restart !== undefined) {
          if (!(RESTART_POLICIES as readonly string[]).includes(options.restart)) throw new ThingsError('E_BAD_REQUEST', `--restart ${options.restart}: expected ${RESTART_POLICIES.join(' or ')}`);
          settings.restart = options.restart as RestartPolicy;
        }
        if (options.memoryLimit !== undefined) settings.memoryLimit = parseSize(options.memoryLimit, '--memory-limit');
      }
      const timeoutMs = Number(options.timeout) * 1000;
      if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new ThingsError('E_BAD_REQUEST', `--timeout ${options.timeout} is not a positive number of seconds`);
      const url = resolveBroker(brokerOperand, options.broker);
      // Read local files before connecting: a typo should not cost a broker round trip.
      const local = plan.action === 'run' ? readProgram(plan.file) : plan.action === 'restore' ? { text: readLocal(plan.file) } : {};
      const output = await withSession(url, {}, (s) => execute(s, plan, local, timeoutMs, settings, options.progress));
      if (plan.action === 'snapshot' && options.out) fs.writeFileSync(options.out, output);
      else process.stdout.write(output + '\n');
    });
}

function readLocal(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ThingsError('E_BAD_REQUEST', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** A program to send: one file's text, or a directory packed as a file tree. */
interface LocalProgram {
  text?: string;
  tree?: FileTree;
}

function readProgram(target: string): LocalProgram {
  const st = fs.statSync(target, { throwIfNoEntry: false });
  if (!st?.isDirectory()) return { text: readLocal(target) };
  let main: string;
  try {
    main = resolveProgram(target).main;
  } catch (err) {
    if (err instanceof ThingsError) throw err;
    throw new ThingsError('E_BAD_REQUEST', `cannot find the main module of ${target}: ${(err as Error).message}`);
  }
  return { tree: packDirectory(target, main) };
}

/** The agent that holds `id`: the one named (checked online), or the one whose status lists it. */
function locate(s: ClientSession, id: string, named: string | undefined, file: string | undefined): string {
  let holder: ProcessRecord | undefined;
  if (named !== undefined) {
    const status = s.presence.requireOnline(named);
    holder = status.processes?.find((p) => p.id === id);
  } else {
    holder = s.presence.findProcess(id);
    if (!holder) throw new ThingsError('E_UNKNOWN_PROCESS', `no online agent has a process ${id}`);
  }
  // The original form names the program too: catch a mix-up before acting on the wrong one.
  const given = file === undefined ? undefined : path.basename(path.resolve(file));
  if (given !== undefined && holder && holder.name !== 'snapshot' && path.basename(holder.name) !== given) {
    throw new ThingsError('E_BAD_REQUEST', `process ${id} runs ${holder.name}, not ${given}`);
  }
  return named ?? (holder as ProcessRecord).agent;
}

async function execute(s: ClientSession, plan: DispatchPlan, local: LocalProgram, timeoutMs: number, settings: RunSettings, progress?: boolean): Promise<string> {
  const { requester, presence } = s;
  switch (plan.action) {
    case 'run': {
      presence.requireOnline(plan.agent);
      // path.resolve: `run AGENT .` is named after the directory, not ".".
      const name = path.basename(path.resolve(plan.file));
      const program = local.tree ? { files: local.tree } : { source: local.text as string };
      return formatRecord(await requester.request(plan.agent, 'run', { name, ...program, args: plan.args.length > 0 ? plan.args : undefined, ...settings }, timeoutMs));
    }
    case 'migrate': {
      const source = locate(s, plan.id, plan.source, plan.file);
      // Checked here as well as on the source: the user hears at once, nothing is paused.
      presence.requireOnline(plan.target);
      // The source gives the target three quarters of our wait (less a margin) to be
      // prepared, then waits a third of that for the commit's acknowledgement: its own, more
      // precise, answer is the one the user sees.
      const sourceTimeout = Math.max(1000, Math.min(30_000, (timeoutMs - 2000) * 0.75));
      // Ours: with it we can ask what became of the migration if no answer comes.
      const migrationId = newMigrationId();
      const line = new MigrationProgressLine(plan.id, source, plan.target, progress);
      try {
        const moved = await requester.request(source, 'migrate', { id: plan.id, target: plan.target, timeoutMs: sourceTimeout, migrationId }, timeoutMs, {
          onProgress: (p) => line.update(p),
          // The broker went away and came back: the answer may have been lost with it; the
          // source answers the same request again (the migration id makes it the same one).
          resendOnReconnect: true,
        });
        line.done();
        if (moved.migration) process.stderr.write(formatMigrationTiming(moved.migration));
        return formatRecord(moved);
      } catch (err) {
        line.done();
        // An answer of the source (an abort, with its reason) is what the user sees; only
        // when none came do we go and ask.
        if ((err as ThingsError).code !== 'E_TIMEOUT' || (err as ThingsError).details?.migration) throw err;
        // No answer (the source died, the broker went away...): say where the program is.
        const where = await whereIsProcess(s, plan.id, migrationId, source, plan.target);
        throw new ThingsError('E_TIMEOUT', `${(err as Error).message}; ${where}`);
      }
    }
    case 'pause':
    case 'resume':
    case 'kill': {
      const agent = locate(s, plan.id, plan.agent, plan.file);
      return formatRecord(await requester.request(agent, plan.action, { id: plan.id }, timeoutMs));
    }
    case 'snapshot': {
      const agent = locate(s, plan.id, plan.agent, plan.file);
      return (await requester.request(agent, 'snapshot', { id: plan.id }, timeoutMs)).snapshot;
    }
    case 'restore': {
      presence.requireOnline(plan.agent);
      return formatRecord(await requester.request(plan.agent, 'restore', { snapshot: local.text as string, name: path.basename(plan.file) }, timeoutMs));
    }
  }
}
