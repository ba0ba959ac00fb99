/**
 * The agent's state directory: snapshots in flight, the files of directory programs
 * (programs/<process id>/, present while the process lives here), and, in later issues,
 * checkpoints.
 * Files are written with write → fsync → rename → fsync(dir), so after a power loss a file
 * is either the old version or the new one, never a torn mix.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ThingsError } from '../shared/errors';

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
      fs.mkdirSync(path.join(this.dir, 'snapshots'), { recursive: true, mode: 0o700 });
      // Left by an agent that died with programs running: no process of ours uses them now.
      fs.rmSync(this.programsDir, { recursive: true, force: true });
      fs.mkdirSync(this.programsDir, { recursive: true, mode: 0o700 });
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

  snapshotFile(processId: string): string {
    return path.join(this.dir, 'snapshots', `${processId}.json`);
  }

  /** Durably writes `text` to `file` (see the module comment). */
  writeDurably(file: string, text: string): void {
    const tmp = `${file}.tmp-${process.pid}`;
    const fd = fs.openSync(tmp, 'w', 0o600);
    try {
      fs.writeSync(fd, text);
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
