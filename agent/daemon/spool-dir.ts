/**
 * The agent's spool directory: where large snapshots cross between the agent and its
 * program hosts (../host/spool.ts). On a memory file system, so that a migration's snapshot
 * never reaches the device's flash: the unit's RuntimeDirectory (/run/thingsjs) under
 * systemd, else /dev/shm. One directory per agent process, `thingsjs-spool-<pid>-XXXXXX`,
 * removed when the agent stops; those of agents that died are removed when one starts.
 */
import fs from 'node:fs';
import path from 'node:path';

const PREFIX = 'thingsjs-spool-';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function usableBase(): string | undefined {
  // systemd sets RUNTIME_DIRECTORY (colon-separated when a unit has several).
  const candidates = [...(process.env.RUNTIME_DIRECTORY?.split(':') ?? []), '/dev/shm'];
  for (const dir of candidates) {
    if (!dir) continue;
    try {
      if (!fs.statSync(dir).isDirectory()) continue;
      fs.accessSync(dir, fs.constants.W_OK);
      return dir;
    } catch {
      // next
    }
  }
  return undefined;
}

/** Makes this agent's spool directory; undefined when there is no memory file system to put
 *  it on (snapshots then cross the IPC channel, as small ones always do). */
export function openSpoolDir(onError: (message: string) => void): string | undefined {
  if (process.env.THINGSJS_SPOOL === 'off') return undefined;
  const base = usableBase();
  if (base === undefined) return undefined;
  try {
    for (const name of fs.readdirSync(base)) {
      const m = /^thingsjs-spool-(\d+)-/.exec(name);
      if (m && Number(m[1]) !== process.pid && !alive(Number(m[1]))) fs.rmSync(path.join(base, name), { recursive: true, force: true });
    }
  } catch {
    // Not ours to clean, or gone meanwhile.
  }
  try {
    return fs.mkdtempSync(path.join(base, `${PREFIX}${process.pid}-`));
  } catch (err) {
    onError(`no spool directory in ${base} (${(err as Error).message}); large snapshots go through the IPC channel`);
    return undefined;
  }
}

export function closeSpoolDir(dir: string | undefined): void {
  if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
}
