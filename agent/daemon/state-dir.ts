/**
 * The agent's state directory (default /var/lib/thingsjs):
 *
 *   checkpoints/            what brings programs back after a restart (./checkpoints.ts)
 *   migrations/             the migration journal (./migration-journal.ts)
 *   programs/<id>/          the files of a directory program, while it lives here
 *   logs/<id>.log[.1]       each program's output, bounded (./program-logs.ts)
 *   children/<id>           pid and start time of each running program host, so that an
 *                           agent restarted after a crash can end hosts it left behind
 *
 * Files are written with write → fsync → rename → fsync(dir), so after a power loss a file
 * is either the old version or the new one, never a torn mix.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ThingsError } from '../shared/errors';

/** What a durable write writes: a text (as UTF-8), bytes, or bytes in parts one after the other. */
export type FileData = string | Buffer | readonly Buffer[];

/** The size in bytes of what `data` writes. */
export function byteLength(data: FileData): number {
  if (typeof data === 'string' || Buffer.isBuffer(data)) return Buffer.byteLength(data);
  let n = 0;
  for (const part of data as readonly Buffer[]) n += part.length;
  return n;
}

export const SYSTEM_STATE_DIR = '/var/lib/thingsjs';

export class StateDir {
  private dir = '';

  /** `configured` undefined: /var/lib/thingsjs when writable (a packaged install), else a
   *  per-user directory, so that a developer can start an agent without root. */
  constructor(
    private readonly configured: string | undefined,
    private readonly agentId: string,
  ) {}

  /** Creates the directories; throws E_CONFIG when the directory is unusable. */
  start(): void {
    this.dir = this.configured ?? defaultDir(this.agentId);
    try {
      fs.mkdirSync(this.programsDir, { recursive: true, mode: 0o700 });
      fs.mkdirSync(this.childrenDir, { recursive: true, mode: 0o700 });
      fs.accessSync(this.dir, fs.constants.W_OK);
    } catch (err) {
      throw new ThingsError('E_CONFIG', `state directory ${this.dir} is not usable: ${(err as Error).message} (set [agent] state_dir)`);
    }
  }

  get path(): string {
    return this.dir;
  }

  /** Where directory programs are written, one folder per process id. */
  get programsDir(): string {
    return path.join(this.dir, 'programs');
  }

  get logsDir(): string {
    return path.join(this.dir, 'logs');
  }

  /** Pid files of the running program hosts. */
  get childrenDir(): string {
    return path.join(this.dir, 'children');
  }

  /** Removes the directories of programs/ that belong to no program in `keep` (left by an
   *  agent that died with programs running, and that will not be restored). */
  clearPrograms(keep: Set<string>): void {
    for (const name of fs.readdirSync(this.programsDir)) {
      if (!keep.has(name)) fs.rmSync(path.join(this.programsDir, name), { recursive: true, force: true });
    }
  }

  /** Durably writes `text` to `file` (see the module comment). */
  writeDurably(file: string, data: FileData): void {
    const tmp = `${file}.tmp-${process.pid}`;
    const fd = fs.openSync(tmp, 'w', 0o600);
    try {
      if (typeof data === 'string') fs.writeSync(fd, data);
      else {
        let pos = 0;
        for (const part of Array.isArray(data) ? data : [data]) {
          for (let at = 0; at < part.length; ) at += fs.writeSync(fd, part, at, part.length - at, pos + at);
          pos += part.length;
        }
      }
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
    const dirFd = fs.openSync(path.dirname(file), 'r');
    try {
      fs.fsyncSync(dirFd);
    } finally {
      fs.closeSync(dirFd);
    }
  }

  /** writeDurably off the event loop (libuv's thread pool): for a large file written while
   *  messages must keep flowing, such as a migration's capture (13 MB and its fsync blocked
   *  the source's transfer for ~250 ms). The caller must not write the same file meanwhile. */
  async writeDurablyAsync(file: string, data: FileData): Promise<void> {
    const tmp = `${file}.tmp-${process.pid}-${++this.asyncWrites}`;
    const parts = typeof data === 'string' ? [Buffer.from(data, 'utf8')] : Array.isArray(data) ? data : [data];
    const handle = await fs.promises.open(tmp, 'w', 0o600);
    try {
      // One write per part: a single job off the event loop for each. (FileHandle.writeFile
      // writes 512 KB pieces, each issued from this thread when the one before is done: while
      // this thread hashes a snapshot, a 10 MB checkpoint's write made no progress.)
      let pos = 0;
      for (const part of parts) {
        for (let at = 0; at < part.length; ) at += (await handle.write(part, at, part.length - at, pos + at)).bytesWritten;
        pos += part.length;
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.promises.rename(tmp, file);
    const dir = await fs.promises.open(path.dirname(file), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
  private asyncWrites = 0;

  remove(file: string): void {
    fs.rmSync(file, { force: true });
  }
}

function defaultDir(agentId: string): string {
  try {
    fs.mkdirSync(SYSTEM_STATE_DIR, { recursive: true });
    fs.accessSync(SYSTEM_STATE_DIR, fs.constants.W_OK);
    return SYSTEM_STATE_DIR;
  } catch {
    const base = process.env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state');
    return path.join(base, 'thingsjs', agentId);
  }
}
