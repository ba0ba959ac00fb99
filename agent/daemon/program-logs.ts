/**
 * One bounded log file per program: <state_dir>/logs/<process id>.log, one line per line of
 * output:
 *
 *   2024-05-01T10:00:00.000Z out tick 1
 *   2024-05-01T10:00:00.100Z err Error: something
 *
 * When a file would grow past `maxBytes` it is renamed to <id>.log.1 (replacing the older
 * one) and a new file is started, so a program never takes more than 2 × maxBytes of disk.
 * Lines are appended synchronously (the agent answers `logs` requests from the files, and
 * the answer must hold every line counted so far) but never fsynced: a log is not worth an
 * SD card's write cycles; checkpoints are.
 *
 * Logs outlive their process (a failed program's log is what explains it): they are removed
 * when its record leaves the agent's history, and at start-up for programs the agent no
 * longer knows (beyond the most recent ones).
 */
import fs from 'node:fs';
import path from 'node:path';

export interface ProgramLogsOptions {
  /** Size of one file before rotation. */
  maxBytes?: number;
}

interface OpenLog {
  fd: number;
  size: number;
}

const MAX_LINE = 16 * 1024;

export class ProgramLogs {
  private readonly open = new Map<string, OpenLog>();
  private readonly maxBytes: number;

  constructor(
    readonly dir: string,
    options: ProgramLogsOptions = {},
  ) {
    this.maxBytes = options.maxBytes ?? 512 * 1024;
  }

  /** Creates the directory. */
  start(): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  file(id: string): string {
    return path.join(this.dir, `${id}.log`);
  }

  /** Appends one line of output (with or without its '\n'). Never throws: a full disk must
   *  not stop a program. */
  append(id: string, stream: 'stdout' | 'stderr', line: string): void {
    let text = line.endsWith('\n') ? line.slice(0, -1) : line;
    if (text.length > MAX_LINE) text = `${text.slice(0, MAX_LINE)}…`;
    this.write(id, `${new Date().toISOString()} ${stream === 'stdout' ? 'out' : 'err'} ${text.replace(/\n/g, ' ')}\n`);
  }

  /** Starts a program's log with lines from elsewhere (the source of a migration): they
   *  replace whatever this agent had under that id. */
  seed(id: string, lines: string[]): void {
    this.remove(id);
    if (lines.length > 0) this.write(id, lines.map((l) => `${l.replace(/\n/g, ' ')}\n`).join(''));
  }

  /** The last lines (at most `tail`, and at most `maxBytes` of text), oldest first. */
  read(id: string, options: { tail?: number; maxBytes?: number } = {}): { lines: string[]; truncated: boolean } {
    const maxBytes = options.maxBytes ?? 2 * this.maxBytes;
    let text = '';
    let truncated = false;
    for (const f of [`${this.file(id)}.1`, this.file(id)]) {
      try {
        text += fs.readFileSync(f, 'utf8');
      } catch {
        /* absent */
      }
    }
    if (text.length > maxBytes) {
      text = text.slice(text.indexOf('\n', text.length - maxBytes) + 1);
      truncated = true;
    }
    let lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
    if (fs.existsSync(`${this.file(id)}.1`)) truncated = true;
    if (options.tail !== undefined && lines.length > options.tail) {
      lines = lines.slice(lines.length - options.tail);
      truncated = true;
    }
    return { lines, truncated };
  }

  exists(id: string): boolean {
    return fs.existsSync(this.file(id));
  }

  close(id: string): void {
    const o = this.open.get(id);
    if (!o) return;
    this.open.delete(id);
    try {
      fs.closeSync(o.fd);
    } catch {
      /* already closed */
    }
  }

  closeAll(): void {
    for (const id of [...this.open.keys()]) this.close(id);
  }

  remove(id: string): void {
    this.close(id);
    for (const f of [this.file(id), `${this.file(id)}.1`]) fs.rmSync(f, { force: true });
  }

  /** At start-up: removes the logs of programs not in `keep`, except the `recent` newest. */
  prune(keep: Set<string>, recent: number): void {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch {
      return;
    }
    const ids = [...new Set(names.filter((n) => /\.log(\.1)?$/.test(n)).map((n) => n.replace(/\.log(\.1)?$/, '')))].filter((id) => !keep.has(id));
    const mtime = (id: string): number => fs.statSync(this.file(id), { throwIfNoEntry: false })?.mtimeMs ?? 0;
    const byAge = ids.map((id) => ({ id, t: mtime(id) })).sort((a, b) => b.t - a.t);
    for (const { id } of byAge.slice(recent)) this.remove(id);
  }

  private write(id: string, text: string): void {
    try {
      let o = this.open.get(id);
      if (o && o.size > 0 && o.size + Buffer.byteLength(text) > this.maxBytes) {
        this.close(id);
        fs.renameSync(this.file(id), `${this.file(id)}.1`);
        o = undefined;
      }
      if (!o) {
        const fd = fs.openSync(this.file(id), 'a', 0o600);
        o = { fd, size: fs.fstatSync(fd).size };
        this.open.set(id, o);
        if (o.size > 0 && o.size + Buffer.byteLength(text) > this.maxBytes) return this.write(id, text);
      }
      o.size += fs.writeSync(o.fd, text);
    } catch {
      // Disk full or gone: the line still went to the journal and the output topic.
    }
  }
}
