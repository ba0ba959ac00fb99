/**
 * Large snapshot texts between the agent and a program host go through a file in a spool
 * directory on a memory file system (the agent's systemd RuntimeDirectory, else /dev/shm),
 * and only the file's name through the IPC channel.
 *
 * Why: the IPC channel is a socket pair, read in 64 KB slices, and its messages are
 * serialised whole on one side and assembled on the other. A 10 MB snapshot took 45-70 ms
 * from `send()` to the other side's handler on the bench machine; writing it to tmpfs and
 * reading it back takes 10-25 ms, twice less on ASCII text, which most snapshots are (it is
 * then written and read as Latin-1: one byte per character, no UTF-8 work). A migration pays
 * this twice, on the source's capture and on the target's restore, both in the program's
 * downtime.
 *
 * The agent owns the directory: it makes it, removes every file once read, and removes the
 * directory when it stops (and those of agents that died, when it starts: daemon/agent.ts).
 */
import fs from 'node:fs';
import path from 'node:path';

/** Texts shorter than this go through the IPC channel as they are. */
export const SPOOL_MIN_CHARS = 1 << 20;

/** A text in a spool file. */
export interface SpooledText {
  path: string;
  encoding: 'latin1' | 'utf8';
  /** Its length in UTF-16 units (checked when read back). */
  length: number;
}

let counter = 0;

/** Writes `text` to a new file in `dir` (synchronously). */
export function spoolText(dir: string, prefix: string, text: string): SpooledText {
  // ASCII text is its own Latin-1 encoding: written and read back without UTF-8 work.
  const encoding = Buffer.byteLength(text, 'utf8') === text.length ? 'latin1' : 'utf8';
  const file = path.join(dir, `${prefix}-${process.pid}-${++counter}.json`);
  fs.writeFileSync(file, text, { encoding, mode: 0o600 });
  return { path: file, encoding, length: text.length };
}

/** Reads a spooled text back, and removes its file when `remove` is set. */
export function readSpooled(f: SpooledText, remove: boolean): string {
  try {
    const text = fs.readFileSync(f.path, f.encoding === 'latin1' ? 'latin1' : 'utf8');
    if (text.length !== f.length) throw Object.assign(new Error(`the spooled snapshot ${f.path} has ${text.length} characters, ${f.length} were written`), { code: 'E_SNAPSHOT_CORRUPT' });
    return text;
  } finally {
    if (remove) fs.rm(f.path, { force: true }, () => undefined);
  }
}

/** A spool file named in a message, checked: directly in `dir`. */
export function isSpooledText(v: unknown, dir: string): v is SpooledText {
  if (!v || typeof v !== 'object') return false;
  const f = v as Partial<SpooledText>;
  return (
    typeof f.path === 'string' &&
    (f.encoding === 'latin1' || f.encoding === 'utf8') &&
    typeof f.length === 'number' &&
    path.dirname(f.path) === dir
  );
}
