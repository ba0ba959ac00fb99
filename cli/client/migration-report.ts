/**
 * What `thingsctl dispatch migrate` says besides the record: progress while a transfer takes
 * more than a second, the timing breakdown when it is done, and — when no answer came —
 * where the program is (asked of both agents).
 *
 * Everything here goes to stderr: stdout keeps the one record line scripts parse.
 */
import type { MigrationPhase, MigrationProgress, MigrationReport, ProcessRecord } from '../../agent/protocol/messages';
import { LIVE_STATUSES } from '../../agent/protocol/messages';
import { formatBytes } from './format';
import type { ClientSession } from './session';

/** Progress shows once a migration has taken this long. */
const QUIET_MS = 1000;
/** Lines printed at most this often when stderr is not a terminal. */
const LINE_EVERY_MS = 1000;

export class MigrationProgressLine {
  private readonly started = Date.now();
  private last: MigrationProgress | undefined;
  private lastPrinted = 0;
  private lastPhase: string | undefined;
  private shown = false;
  private readonly timer: NodeJS.Timeout;
  private readonly tty = process.stderr.isTTY === true;

  /** `show`: undefined shows progress when stderr is a terminal. */
  constructor(
    private readonly id: string,
    private readonly source: string,
    private readonly target: string,
    private readonly show: boolean = process.stderr.isTTY === true,
  ) {
    // Something shows after a second even when the source sends nothing (a slow capture).
    this.timer = setInterval(() => this.render(), 250);
    this.timer.unref();
  }

  update(p: MigrationProgress): void {
    this.last = p;
    this.render();
  }

  done(): void {
    clearInterval(this.timer);
    if (this.shown && this.tty) process.stderr.write('\n');
  }

  private render(): void {
    const elapsed = Date.now() - this.started;
    if (!this.show || elapsed < QUIET_MS) return;
    const p = this.last;
    const phase = p?.phase ?? 'capture';
    const what =
      phase === 'transfer' && p?.total && p.bytes !== undefined
        ? `transfer ${formatBytes(p.bytes)} of ${formatBytes(p.total)} (${Math.floor((p.bytes * 100) / p.total)} %)`
        : phase === 'transfer' && p?.total
          ? `${formatBytes(p.total)} sent in one message, ${this.target} restoring`
          : phase === 'restore'
          ? `${this.target} restoring`
          : phase === 'commit'
            ? `committing on ${this.target}`
            : 'capturing';
    const text = `migrating ${this.id} from ${this.source} to ${this.target}: ${what}, ${(elapsed / 1000).toFixed(1)} s`;
    if (this.tty) {
      process.stderr.write(`\r\x1b[K${text}`);
    } else {
      if (phase === this.lastPhase && Date.now() - this.lastPrinted < LINE_EVERY_MS) return;
      process.stderr.write(`${text}\n`);
    }
    this.shown = true;
    this.lastPhase = phase;
    this.lastPrinted = Date.now();
  }
}

const msText = (n: number | undefined): string => (n === undefined ? '-' : `${n} ms`);

/** The timing breakdown (stderr), after a migration that committed. */
export function formatMigrationTiming(m: MigrationReport): string {
  const t = m.timing;
  const head = m.confirmed === false ? `migration ${m.migrationId} committed: ${m.reason}` : `migrated from ${m.source} to ${m.target} (migration ${m.migrationId})`;
  if (!t) return `${head}\n`;
  const size = t.bytes !== undefined ? `${formatBytes(t.bytes)}${t.chunks ? ` in ${t.chunks} chunks` : ' in one message'}` : '';
  const rows: Array<[string, string, string]> = [
    ['capture', msText(t.captureMs), `on ${m.source}, the program paused from here`],
    ['persist', msText(t.persistMs), `on ${m.source}: the capture made its checkpoint, journal written`],
    ['transfer', msText(t.transferMs), `${m.source} → ${m.target}${size ? `, ${size}` : ''}`],
    ['restore', msText(t.restoreMs), `on ${m.target}, restored paused (checkpoint written)`],
  ];
  if (t.downtimeMs !== undefined) rows.push(['downtime', `≈${t.downtimeMs} ms`, `± ${t.downtimeErrorMs ?? 0} ms: last step on ${m.source} → first step on ${m.target}`]);
  else rows.push(['downtime', '-', 'not measured (the program was paused, or its source restarted, or the commit was not acknowledged in time)']);
  const w = Math.max(...rows.map((r) => r[1].length));
  return `${head}\n${rows.map(([k, v, note]) => `  ${k.padEnd(9)} ${v.padStart(w)}  ${note}`).join('\n')}\n`;
}

/** After a `migrate` with no answer: what each agent says, and where the program runs. */
export async function whereIsProcess(s: ClientSession, id: string, migrationId: string, source: string, target: string): Promise<string> {
  const ask = async (agent: string): Promise<MigrationPhase | undefined> => {
    if (s.presence.get(agent)?.status !== 'online') return undefined;
    try {
      return (await s.requester.request(agent, 'migration-status', { migrationId }, 3000)).phase;
    } catch {
      return undefined;
    }
  };
  const [atSource, atTarget] = await Promise.all([ask(source), ask(target)]);
  const decision =
    atSource === 'committed' || atSource === 'aborted'
      ? `${source} has ${atSource} migration ${migrationId}`
      : atSource === 'preparing'
        ? `${source} has not decided migration ${migrationId} yet`
        : atSource === 'unknown'
          ? `${source} never started migration ${migrationId}`
          : atTarget
            ? `${source} does not answer; ${target} says ${atTarget}`
            : `neither ${source} nor ${target} answers about migration ${migrationId}`;
  const live = s.presence
    .online()
    .flatMap((a) => a.processes ?? [])
    .filter((p: ProcessRecord) => p.id === id && LIVE_STATUSES.includes(p.status));
  const where = live.length === 0 ? `no online agent lists process ${id} as live now` : `process ${id} is ${live.map((p) => `${p.status} on ${p.agent}`).join(', ')}`;
  return `${decision}; ${where} (thingsctl ls shows it as it changes)`;
}
