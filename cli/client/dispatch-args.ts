/**
 * The operand forms of `thingsctl dispatch`, exactly as users of the original ThingsJS type
 * them, plus the short forms:
 *
 *   [URL] run AGENT FILE|DIR [ARGS...]     (DIR: a program directory, sent whole)
 *   [URL] migrate SOURCE TARGET FILE ID     (original form)
 *   [URL] migrate SOURCE TARGET ID
 *   [URL] migrate ID TARGET                 (short form: the source is looked up)
 *   [URL] pause|resume|kill ID
 *   [URL] pause|resume|kill AGENT ID
 *   [URL] pause|resume|kill AGENT FILE ID   (original form)
 *   [URL] snapshot [AGENT] ID
 *   [URL] restore AGENT SNAPSHOT_FILE
 */
import { ThingsError } from '../../agent/shared/errors';
import { isProcessId } from '../../agent/protocol/ids';
import { isTopicLevel } from '../../agent/protocol/topics';
import { isBrokerUrl } from './broker-url';

export type DispatchPlan =
  | { action: 'run'; agent: string; file: string; args: string[] }
  | { action: 'migrate'; source?: string; target: string; id: string; file?: string }
  | { action: 'pause' | 'resume' | 'kill' | 'snapshot'; agent?: string; id: string; file?: string }
  | { action: 'restore'; agent: string; file: string };

export interface ParsedDispatch {
  brokerOperand?: string;
  plan: DispatchPlan;
}

const usage = (message: string): ThingsError => new ThingsError('E_BAD_REQUEST', message);

function agent(s: string, what: string): string {
  if (!isTopicLevel(s)) throw usage(`${what} ${JSON.stringify(s)} is not a valid agent id`);
  return s;
}

function processId(s: string): string {
  if (!isProcessId(s)) throw usage(`${JSON.stringify(s)} is not a process id (8 characters [A-Za-z0-9])`);
  return s;
}

export function parseDispatch(operands: string[]): ParsedDispatch {
  const ops = [...operands];
  const brokerOperand = isBrokerUrl(ops[0]) ? ops.shift() : undefined;
  const action = ops.shift();
  const n = ops.length;
  const wrong = (forms: string): ThingsError => usage(`usage: thingsctl dispatch [URL] ${forms}`);
  let plan: DispatchPlan;
  switch (action) {
    case 'run':
      if (n < 2) throw wrong('run AGENT FILE|DIR [ARGS...]');
      plan = { action, agent: agent(ops[0], 'agent'), file: ops[1], args: ops.slice(2) };
      break;
    case 'migrate':
      if (n === 2) plan = { action, id: processId(ops[0]), target: agent(ops[1], 'target agent') };
      else if (n === 3) plan = { action, source: agent(ops[0], 'source agent'), target: agent(ops[1], 'target agent'), id: processId(ops[2]) };
      else if (n === 4) plan = { action, source: agent(ops[0], 'source agent'), target: agent(ops[1], 'target agent'), file: ops[2], id: processId(ops[3]) };
      else throw wrong('migrate SOURCE TARGET FILE ID | migrate ID TARGET');
      break;
    case 'pause':
    case 'resume':
    case 'kill':
    case 'snapshot':
      if (n === 1) plan = { action, id: processId(ops[0]) };
      else if (n === 2) plan = { action, agent: agent(ops[0], 'agent'), id: processId(ops[1]) };
      else if (n === 3) plan = { action, agent: agent(ops[0], 'agent'), file: ops[1], id: processId(ops[2]) };
      else throw wrong(`${action} [AGENT [FILE]] ID`);
      break;
    case 'restore':
      if (n !== 2) throw wrong('restore AGENT SNAPSHOT_FILE');
      plan = { action, agent: agent(ops[0], 'agent'), file: ops[1] };
      break;
    default:
      throw usage(`unknown action ${JSON.stringify(action ?? '')}: expected run, migrate, pause, resume, kill, snapshot or restore`);
  }
  return { brokerOperand, plan };
}

/** A memory size as memory_limit takes it: 1048576, 512K, 96M, 1G (powers of 1024). */
export function parseSize(text: string, what: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMG]?)i?B?\s*$/i.exec(text);
  if (!m) throw usage(`${what} ${JSON.stringify(text)} is not a size such as 128M or 1G`);
  const n = Math.round(Number(m[1]) * 1024 ** ' KMG'.indexOf((m[2] || ' ').toUpperCase()));
  if (n < 16 * 1024 * 1024) throw usage(`${what} ${JSON.stringify(text)} is below 16M, less than a Node.js process needs`);
  return n;
}
