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
import buffer from 'node:buffer';
import fs from 'node:fs';
import path from 'node:path';

/** Texts shorter than this go through the IPC channel as they are. */
export const SPOOL_MIN_CHARS = 1 << 20;

/** A text in a spool file: its UTF-8 bytes (ASCII text, which is its own Latin-1, is read
 *  back as Latin-1). */
export interface SpooledText {
  path: string;
  encoding: 'latin1' | 'utf8';
  /** Its size in bytes (checked when read back). */
  bytes: number;
  /** Its length in UTF-16 units, when the writer knows it (checked when read back as text). */
  length?: number;
}

let counter = 0;

/** Writes `text` to a new file in `dir` (synchronously). */
export function spoolText(dir: string, prefix: string, text: string): SpooledText {
  // ASCII text is its own Latin-1 encoding: written and read back without UTF-8 work.
  const bytes = Buffer.byteLength(text, 'utf8');
  const encoding = bytes === text.length ? 'latin1' : 'utf8';
  const file = spoolFile(dir, prefix);
  const fd = fs.openSync(file, 'w', 0o600);
  try {
    // In pieces, through one buffer: a buffer of the whole text is fresh memory every time,
    // whose page faults cost more than the copy (10 MB, alone: ~17 -> ~12 ms), and 10 MB more
    // at the host's peak, at the end of a capture.
    const buf = Buffer.allocUnsafeSlow(Math.min(text.length, WRITE_PIECE) * (encoding === 'latin1' ? 1 : 3));
    for (let i = 0; i < text.length; ) {
      let end = Math.min(text.length, i + WRITE_PIECE);
      // (A piece never ends between the two halves of a surrogate pair.)
      if (end < text.length && encoding === 'utf8' && isHighSurrogate(text.charCodeAt(end - 1))) end--;
      const n = buf.write(text.slice(i, end), 0, encoding);
      for (let at = 0; at < n; ) at += fs.writeSync(fd, buf, at, n - at);
      i = end;
    }
  } finally {
    fs.closeSync(fd);
  }
  return { path: file, encoding, bytes, length: text.length };
}

/** UTF-16 units written per piece (see spoolText). */
const WRITE_PIECE = 1 << 20;
const isHighSurrogate = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;

/** Writes the UTF-8 bytes of a text (the agent's form of a large snapshot) to a new file in
 *  `dir` (synchronously): no decoding, no encoding. */
export function spoolBytes(dir: string, prefix: string, data: Buffer): SpooledText {
  const file = spoolFile(dir, prefix);
  fs.writeFileSync(file, data, { mode: 0o600 });
  return { path: file, encoding: isAsciiBytes(data) ? 'latin1' : 'utf8', bytes: data.length };
}

function spoolFile(dir: string, prefix: string): string {
  return path.join(dir, `${prefix}-${process.pid}-${++counter}.json`);
}

// (buffer.isAscii: Node 18.15 and later; without it, bytes are read back as UTF-8, which is
// right for any text, only slower.)
const isAscii = (buffer as { isAscii?: (b: Uint8Array) => boolean }).isAscii;
const isAsciiBytes = (b: Uint8Array): boolean => isAscii !== undefined && isAscii(b);

/** Reads a spooled text back, and removes its file when `remove` is set. */
export function readSpooled(f: SpooledText, remove: boolean): string {
  const data = readSpooledInto(f, remove, 0, 0);
  const text = data.toString(f.encoding === 'latin1' ? 'latin1' : 'utf8');
  if (f.length !== undefined && text.length !== f.length) throw spoolDamaged(`the spooled snapshot ${f.path} has ${text.length} characters, ${f.length} were written`);
  return text;
}

/**
 * Reads a spooled text's bytes into a new buffer, `before` bytes after its start and `after`
 * bytes before its end (room for what the caller puts around them), and removes its file
 * when `remove` is set.
 */
export function readSpooledInto(f: SpooledText, remove: boolean, before: number, after: number): Buffer {
  try {
    const fd = fs.openSync(f.path, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      if (size !== f.bytes) throw spoolDamaged(`the spooled snapshot ${f.path} has ${size} bytes, ${f.bytes} were written`);
      const out = Buffer.allocUnsafe(before + size + after);
      for (let at = 0; at < size; ) {
        const n = fs.readSync(fd, out, before + at, size - at, at);
        if (n === 0) throw spoolDamaged(`the spooled snapshot ${f.path} ended after ${at} of ${size} bytes`);
        at += n;
      }
      return out;
    } finally {
      fs.closeSync(fd);
    }
  } finally {
    if (remove) fs.rm(f.path, { force: true }, () => undefined);
  }
}

const spoolDamaged = (message: string): Error => Object.assign(new Error(message), { code: 'E_SNAPSHOT_CORRUPT' });

/** A spool file named in a message, checked: directly in `dir`. */
export function isSpooledText(v: unknown, dir: string): v is SpooledText {
  if (!v || typeof v !== 'object') return false;
  const f = v as Partial<SpooledText>;
  return (
    typeof f.path === 'string' &&
    (f.encoding === 'latin1' || f.encoding === 'utf8') &&
    Number.isSafeInteger(f.bytes) &&
    (f.length === undefined || typeof f.length === 'number') &&
    path.dirname(f.path) === dir
  );
}
