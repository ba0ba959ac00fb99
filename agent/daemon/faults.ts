/**
 * TEST-ONLY fault injection for the migration handoff (docs/migration.md, "Proof").
 *
 * Read once at start from the environment variable THINGSJS_FAULTS; without it (every real
 * deployment) nothing here does anything. A spec is a comma-separated list of
 *
 *   ROLE:POINT:ACTION
 *
 *   ROLE    source | target  (which side of a handoff; an agent can be both)
 *   POINT   a step:   after-capture, mid-transfer (half the chunks acknowledged),
 *                     after-prepare-sent, after-prepared, after-commit-decision,
 *                     after-commit-sent, after-commit-ack
 *           persist   (source) the capture's checkpoint write, for `slow`
 *           a message the agent sends:  send-<action>  (a request: send-prepare, send-commit,
 *                     send-prepare-chunk...)  reply-<action>  (a reply: reply-prepare,
 *                     reply-commit, reply-migrate...)
 *   ACTION  kill      SIGKILL this agent at the step (as a power cut would)
 *           hold      log "fault injection: holding at ROLE:POINT" and wait for SIGUSR2
 *                     (the test acts meanwhile: kills another process, restarts the broker)
 *           drop      do not publish the message (lost)
 *           dup       publish it twice (a request: the copy under another correlation id)
 *           refuse    (target, reply-prepare or after-prepared) answer the prepare with
 *                     E_MEMORY_LIMIT, as a target short of memory would
 *           corrupt   (source, send-prepare) damage the snapshot before it is sent
 *           future-format  (source, send-prepare) stamp the snapshot with an unknown format
 *                     version
 *           slow      (source, persist) the write starts 3 s late, as on a slow disk: the
 *                     target's answer comes first
 *
 * Every fault fires once: the first time its point is reached.
 */
import fs from 'node:fs';

export type FaultRole = 'source' | 'target';
export type FaultAction = 'kill' | 'hold' | 'drop' | 'dup' | 'refuse' | 'corrupt' | 'future-format' | 'slow';

export const FAULT_STEPS = ['after-capture', 'mid-transfer', 'after-prepare-sent', 'after-prepared', 'after-commit-decision', 'after-commit-sent', 'after-commit-ack'] as const;
export type FaultStep = (typeof FAULT_STEPS)[number];

interface Fault {
  role: FaultRole;
  point: string;
  action: FaultAction;
  fired: boolean;
}

const ACTIONS: FaultAction[] = ['kill', 'hold', 'drop', 'dup', 'refuse', 'corrupt', 'future-format', 'slow'];

export class Faults {
  private readonly faults: Fault[];

  constructor(spec: string | undefined) {
    this.faults = parse(spec ?? '');
    // SIGUSR2 ends a Node process that has no handler: a release sent a little early (or
    // twice) must not kill the agent under test.
    if (this.faults.length > 0) process.on('SIGUSR2', () => undefined);
  }

  static fromEnv(env: NodeJS.ProcessEnv = process.env): Faults {
    return new Faults(env.THINGSJS_FAULTS);
  }

  get enabled(): boolean {
    return this.faults.length > 0;
  }

  /** A kill or hold waits at one of `role`'s steps. */
  holdsSteps(role: FaultRole): boolean {
    return this.faults.some((f) => f.role === role && !f.fired && (f.action === 'kill' || f.action === 'hold') && (FAULT_STEPS as readonly string[]).includes(f.point));
  }

  describe(): string {
    return this.faults.map((f) => `${f.role}:${f.point}:${f.action}`).join(', ');
  }

  /** A step of the handoff: kills or holds here when asked to. */
  async step(role: FaultRole, step: FaultStep): Promise<void> {
    if (this.faults.length === 0) return;
    const f = this.take(role, step, ['kill', 'hold']);
    if (!f) return;
    if (f.action === 'kill') {
      say(`fault injection: SIGKILL at ${role}:${step}`);
      process.kill(process.pid, 'SIGKILL');
      // SIGKILL is not delivered synchronously everywhere; nothing of ours runs after it.
      await new Promise(() => undefined);
    }
    say(`fault injection: holding at ${role}:${step} (send SIGUSR2 to go on)`);
    await new Promise<void>((resolve) => process.once('SIGUSR2', () => resolve()));
    say(`fault injection: released at ${role}:${step}`);
  }

  /** What to do with a message the agent is about to publish (`send-x` / `reply-x`), among
   *  the actions the caller can carry out there. */
  message(role: FaultRole, point: string, accept: FaultAction[]): FaultAction | undefined {
    if (this.faults.length === 0) return undefined;
    const f = this.take(role, point, accept);
    if (f) say(`fault injection: ${f.action} at ${role}:${point}`);
    return f?.action;
  }

  private take(role: FaultRole, point: string, actions: FaultAction[]): Fault | undefined {
    const f = this.faults.find((x) => !x.fired && x.role === role && x.point === point && actions.includes(x.action));
    if (f) f.fired = true;
    return f;
  }
}

/** Straight to stdout, unbuffered: a test waits for these lines, and a SIGKILL follows some. */
function say(line: string): void {
  try {
    fs.writeSync(1, `${new Date().toISOString()} warn  faults: ${line}\n`);
  } catch {
    /* stdout closed */
  }
}

function parse(spec: string): Fault[] {
  const out: Fault[] = [];
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [role, point, action] = part.split(':');
    if ((role !== 'source' && role !== 'target') || !point || !ACTIONS.includes(action as FaultAction)) {
      throw new Error(`THINGSJS_FAULTS: cannot read ${JSON.stringify(part)} (ROLE:POINT:ACTION, see agent/daemon/faults.ts)`);
    }
    out.push({ role, point, action: action as FaultAction, fired: false });
  }
  return out;
}
