/**
 * systemd's notification protocol (sd_notify(3)) without a native addon: Node's dgram cannot
 * send on a unix datagram socket, so each notification spawns `systemd-notify VAR=VALUE...`,
 * which needs `NotifyAccess=all` in the unit (the sender is a child of the main process).
 *
 *   READY=1      after local initialisation (state directory, programs restored), not after
 *                the broker answers: a device must come up without its broker
 *   STATUS=...   one line for `systemctl status` ("connected to mqtt://…, 3 programs")
 *   WATCHDOG=1   every WATCHDOG_USEC / 2 when systemd set a watchdog (WatchdogSec=), from the
 *                agent's event loop: a blocked agent stops pinging and systemd restarts it
 *   STOPPING=1   when shutdown begins
 *
 * Without NOTIFY_SOCKET (not started by systemd with Type=notify) nothing is sent. When
 * systemd-notify is missing, one warning is logged and nothing else happens. Notifications
 * are sent one at a time, in order; STATUS lines are coalesced (only the latest pending one
 * is sent).
 */
import { spawn } from 'node:child_process';
import type { Logger } from './logger';

export interface SdNotifyOptions {
  env?: NodeJS.ProcessEnv;
  command?: string;
  log: Logger;
}

export class SdNotify {
  private readonly env: NodeJS.ProcessEnv;
  private readonly command: string;
  private readonly log: Logger;
  private enabled: boolean;
  private readonly queue: string[][] = [];
  private sending = false;
  private idle: Array<() => void> = [];
  private watchdog: NodeJS.Timeout | undefined;
  private lastStatus: string | undefined;

  constructor(options: SdNotifyOptions) {
    this.env = options.env ?? process.env;
    this.command = options.command ?? 'systemd-notify';
    this.log = options.log;
    this.enabled = Boolean(this.env.NOTIFY_SOCKET);
  }

  get active(): boolean {
    return this.enabled;
  }

  ready(status?: string): void {
    this.send(status !== undefined ? ['READY=1', `STATUS=${oneLine(status)}`] : ['READY=1']);
    if (status !== undefined) this.lastStatus = oneLine(status);
  }

  /** Sends STATUS= when the text changed; a status still waiting in the queue is replaced. */
  status(text: string): void {
    const line = oneLine(text);
    if (!this.enabled || line === this.lastStatus) return;
    this.lastStatus = line;
    const pending = this.queue.findIndex((q) => q.length === 1 && q[0].startsWith('STATUS='));
    if (pending !== -1) this.queue[pending] = [`STATUS=${line}`];
    else this.send([`STATUS=${line}`]);
  }

  stopping(status?: string): void {
    this.stopWatchdog();
    this.send(status !== undefined ? ['STOPPING=1', `STATUS=${oneLine(status)}`] : ['STOPPING=1']);
  }

  /** Starts the pings when systemd asked for them (WATCHDOG_USEC, for this pid). */
  startWatchdog(): void {
    const usec = Number(this.env.WATCHDOG_USEC);
    if (!this.enabled || !Number.isFinite(usec) || usec <= 0) return;
    if (this.env.WATCHDOG_PID && this.env.WATCHDOG_PID !== String(process.pid)) return;
    const everyMs = Math.max(1, Math.floor(usec / 2000));
    this.log.debug(`watchdog: pinging every ${everyMs} ms`);
    this.send(['WATCHDOG=1']);
    this.watchdog = setInterval(() => {
      // A ping still queued is as good as a new one.
      if (!this.queue.some((q) => q[0] === 'WATCHDOG=1')) this.send(['WATCHDOG=1']);
    }, everyMs);
    this.watchdog.unref();
  }

  stopWatchdog(): void {
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = undefined;
  }

  /** Resolves when every queued notification has been handed over (or after `timeoutMs`). */
  flush(timeoutMs: number): Promise<void> {
    if (!this.sending && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.idle.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private send(assignments: string[]): void {
    if (!this.enabled) return;
    this.queue.push(assignments);
    this.next();
  }

  private next(): void {
    if (this.sending) return;
    const assignments = this.queue.shift();
    if (!assignments || !this.enabled) {
      this.queue.length = 0;
      const waiting = this.idle;
      this.idle = [];
      for (const w of waiting) w();
      return;
    }
    this.sending = true;
    let finished = false;
    // After a spawn error, 'exit' may or may not follow.
    const done = (): void => {
      if (finished) return;
      finished = true;
      this.sending = false;
      this.next();
    };
    let child;
    try {
      child = spawn(this.command, assignments, { stdio: 'ignore', env: this.env });
    } catch (err) {
      this.disable(err as Error);
      done();
      return;
    }
    child.on('error', (err: NodeJS.ErrnoException) => {
      this.disable(err);
      done();
    });
    child.on('exit', (code) => {
      if (code !== 0) this.log.debug(() => `${this.command} ${assignments.join(' ')} exited with code ${code}`);
      done();
    });
  }

  private disable(err: NodeJS.ErrnoException): void {
    if (!this.enabled) return;
    this.enabled = false;
    this.stopWatchdog();
    this.log.warn(`NOTIFY_SOCKET is set but ${this.command} cannot be run (${err.code ?? err.message}): no notifications to systemd (install systemd, or use Type=simple)`);
  }
}

const oneLine = (s: string): string => s.replace(/[\r\n]+/g, ' ');
