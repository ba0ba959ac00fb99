/**
 * A migration's package in chunks, for packages bigger than the largest message we may
 * publish ([broker] max_packet_size; the broker's own limit when it announces a lower one).
 *
 *   source                                      target
 *   prepare-begin {size, sha256, chunks}   →    a buffer for them  ← {received: [...]}
 *   prepare-chunk {index, data, sha256}    →    checked, kept      ← {index}
 *   ... (a few in flight; unanswered ones are sent again)
 *   prepare {transfer: {size, sha256}}     →    reassembled, checked whole, restored
 *
 * Chunks are slices of the package's UTF-8 bytes, each with the sha256 of its bytes. The
 * transfer's own sha256 is either that of the whole package (`whole`) or, with a target whose
 * `warm` answer offers `chunk-digests`, the sha256 of the chunks' digests one after the other
 * (`chunks`, PrepareBeginArgs.digest): as strong a check of the whole, but each side then
 * reads the package's bytes once instead of twice (a 10 MB package: ~25 ms less on each side
 * on an x86-64 core, several hundred ms on an ARM board without SHA instructions).
 * With a target that also offers `late-digest` (`chunks-late`), that sha256 comes with the
 * final `prepare` instead of the begin, so that the source hashes each chunk as it sends it
 * (the hashing overlaps the trip of the chunks before it) instead of all of them before the
 * first leaves; the begin then names the transfer by the snapshot's own hash (its envelope's,
 * already taken), which a resumed transfer of the same capture repeats.
 * Two formats (PrepareBeginArgs.format):
 *   json    the package is one JSON text; a chunk is base64 inside its request's JSON;
 *   binary  the package is a JSON line of its other fields, then the snapshot text as it is;
 *           a chunk's bytes follow its request's JSON raw (Requester's `attachment`).
 * A source uses 'binary' only with a target whose `warm` answer offers it.
 * Every message is idempotent: a chunk sent twice is kept once, a begin sent again answers
 * which chunks are already there (a transfer resumes after a lost message or a broker restart).
 */
import { nodeCrypto, sha256Hex as sha256 } from '../shared/lazy-crypto';
import { ErrorCodes, ThingsError } from '../shared/errors';
import type { MigrationPackage, PrepareBeginArgs } from './messages';

export type TransferFormat = 'json' | 'binary';
/** What the transfer's sha256 is of: the whole package, or the chunks' digests. */
export type TransferDigest = 'whole' | 'chunks' | 'chunks-late';
/** What this agent's transfer accepts (WarmResult.transfer). */
export const TRANSFER_FEATURES = ['binary', 'chunk-digests', 'late-digest'];

/** The envelope hash at the start of a binary package's snapshot (after its header line). */
const ENVELOPE_HASH = /^\{"format":"thingsjs-snapshot","version":\d+,"hash":"sha256:([0-9a-f]{64})"/;

/** The package's text in `format`. (JSON text never holds a raw line break, so the first one
 *  ends the header line.) */
export function packageText(pkg: MigrationPackage, format: TransferFormat): string {
  const snapshot = typeof pkg.snapshot === 'string' ? pkg.snapshot : pkg.snapshot.toString('utf8');
  if (format === 'json') return JSON.stringify({ ...pkg, snapshot });
  const { snapshot: _, ...rest } = pkg;
  return `${JSON.stringify(rest)}\n${snapshot}`;
}

/** The package's bytes in `format`, in parts: a binary package is its header line, then
 *  its snapshot's bytes as they are (a snapshot held as bytes is neither decoded nor copied). */
export function packageParts(pkg: MigrationPackage, format: TransferFormat): Buffer[] {
  if (format === 'json' || typeof pkg.snapshot === 'string') return [Buffer.from(packageText(pkg, format), 'utf8')];
  const { snapshot, ...rest } = pkg;
  return [Buffer.from(`${JSON.stringify(rest)}\n`, 'utf8'), snapshot];
}

/** The package's fields from its text (or bytes) in `format`; the caller checks them. A
 *  binary package's snapshot comes back as it came: text from text, bytes from bytes. */
export function parsePackageText(text: string | Buffer, format: TransferFormat): unknown {
  try {
    if (format === 'json') return JSON.parse(typeof text === 'string' ? text : text.toString('utf8'));
    const nl = text.indexOf('\n');
    if (nl === -1) throw new Error('no header line');
    const header = JSON.parse(typeof text === 'string' ? text.slice(0, nl) : text.toString('utf8', 0, nl)) as unknown;
    if (!header || typeof header !== 'object' || Array.isArray(header)) throw new Error('the header line is not a JSON object');
    return { ...header, snapshot: typeof text === 'string' ? text.slice(nl + 1) : text.subarray(nl + 1) };
  } catch (err) {
    throw new ThingsError(ErrorCodes.BAD_REQUEST, `the migration package is not ${format === 'json' ? 'JSON' : 'a header line and a snapshot'}: ${(err as Error).message}`);
  }
}

/** Room left in a message for everything but a chunk's data (topic, JSON envelope, MQTT 5
 *  properties). */
const ENVELOPE_BYTES = 1024;

export { sha256 };
const digestOf = (b: Buffer): Buffer => nodeCrypto().createHash('sha256').update(b).digest();

/** Bytes of package per chunk so that a prepare-chunk message stays within `maxPacket`. */
export function chunkSizeFor(maxPacket: number, format: TransferFormat = 'json'): number {
  if (format === 'binary') return Math.max(256, maxPacket - ENVELOPE_BYTES);
  return Math.max(256, Math.floor(((maxPacket - ENVELOPE_BYTES) * 3) / 4 / 4) * 4);
}

export class OutgoingTransfer {
  /** The package's bytes, in parts one after the other (see packageParts). */
  private readonly parts: readonly Buffer[];
  /** Where each part starts in the package. */
  private readonly starts: number[] = [];
  readonly size: number;
  readonly chunks: number;
  /** What the begin names the transfer by: its sha256, or with `chunks-late` the snapshot's. */
  readonly beginSha256: string;
  readonly digest: TransferDigest;
  /** Each chunk's sha256 (hex), taken once: a chunk sent again is not hashed again. */
  private readonly chunkHashes: string[];
  private whole: string | undefined;

  constructor(
    data: string | readonly Buffer[],
    readonly chunkSize: number,
    digest: TransferDigest = 'whole',
  ) {
    this.parts = typeof data === 'string' ? [Buffer.from(data, 'utf8')] : data;
    let size = 0;
    for (const part of this.parts) {
      this.starts.push(size);
      size += part.length;
    }
    this.size = size;
    this.chunks = Math.ceil(size / chunkSize);
    this.chunkHashes = new Array<string>(this.chunks);
    let named: string | undefined;
    if (digest === 'chunks-late') {
      // Only a binary package (header line, then the snapshot as it is) names its snapshot:
      // in parts, the second part; in one, what follows its first line break.
      const [first, second] = this.parts;
      const nl = this.parts.length === 1 ? first.indexOf(0x0a) : -1;
      const snapshotStart = this.parts.length === 2 ? second.toString('latin1', 0, 200) : nl === -1 ? '' : first.toString('latin1', nl + 1, nl + 200);
      named = ENVELOPE_HASH.exec(snapshotStart)?.[1];
      if (named === undefined) digest = 'chunks';
    }
    this.digest = digest;
    this.beginSha256 = named ?? this.sha256;
  }

  /** The transfer's sha256 (see the top of this file). With `chunks` or `chunks-late`, it
   *  hashes the chunks not hashed yet (with `chunks-late`, after they have been sent: none). */
  get sha256(): string {
    if (this.whole !== undefined) return this.whole;
    if (this.digest === 'whole') {
      const hash = nodeCrypto().createHash('sha256');
      for (const part of this.parts) hash.update(part);
      return (this.whole = hash.digest('hex'));
    }
    const digests: Buffer[] = [];
    for (let i = 0; i < this.chunks; i++) digests.push(Buffer.from(this.chunkHash(i), 'hex'));
    return (this.whole = sha256(Buffer.concat(digests)));
  }

  private chunkHash(index: number): string {
    return (this.chunkHashes[index] ??= sha256(this.slice(index)));
  }

  /** The package's bytes from `start` to `end`: a view of one part, or a copy of the pieces
   *  of two or more (only a chunk across a part's end). */
  private range(start: number, end: number): Buffer {
    let i = this.starts.length - 1;
    while (i > 0 && this.starts[i] > start) i--;
    const first = this.parts[i];
    const at = start - this.starts[i];
    if (at + (end - start) <= first.length) return first.subarray(at, at + (end - start));
    const pieces: Buffer[] = [];
    for (let left = end - start, p = i, from = at; left > 0 && p < this.parts.length; p++, from = 0) {
      const piece = this.parts[p].subarray(from, from + left);
      pieces.push(piece);
      left -= piece.length;
    }
    return Buffer.concat(pieces);
  }

  private slice(index: number): Buffer {
    return this.range(index * this.chunkSize, Math.min(this.size, (index + 1) * this.chunkSize));
  }

  /** Chunk `index`: its bytes as they are (`raw`) or in base64. */
  chunk(index: number, raw = false): { index: number; data: string | Buffer; sha256: string; bytes: number } {
    const slice = this.slice(index);
    return { index, data: raw ? slice : slice.toString('base64'), sha256: this.chunkHash(index), bytes: slice.length };
  }

  /** Bytes of chunk `index` (without encoding it). */
  chunkBytes(index: number): number {
    return Math.min(this.size, (index + 1) * this.chunkSize) - index * this.chunkSize;
  }
}

export class IncomingTransfer {
  private readonly parts = new Map<number, Buffer>();
  /** Each kept chunk's sha256 (raw), for a `chunks` digest. */
  private readonly digests = new Map<number, Buffer>();
  lastActivity = Date.now();

  constructor(readonly begin: PrepareBeginArgs) {}

  get received(): number[] {
    return [...this.parts.keys()].sort((a, b) => a - b);
  }

  /** Keeps a chunk after checking it; a chunk received again is ignored. */
  add(index: number, data: string | Buffer, hash: string): void {
    this.lastActivity = Date.now();
    const { chunks, chunkSize, size } = this.begin;
    if (index >= chunks) throw new ThingsError(ErrorCodes.BAD_REQUEST, `chunk ${index} of a transfer of ${chunks} chunks`);
    if (this.parts.has(index)) return;
    // A raw chunk is a view of its MQTT packet: copied, so that the packet can go.
    const bytes = typeof data === 'string' ? Buffer.from(data, 'base64') : Buffer.from(data);
    const expected = index === chunks - 1 ? size - index * chunkSize : chunkSize;
    if (bytes.length !== expected) throw new ThingsError(ErrorCodes.BAD_REQUEST, `chunk ${index} has ${bytes.length} bytes, ${expected} expected`);
    const d = digestOf(bytes);
    if (d.toString('hex') !== hash) throw new ThingsError(ErrorCodes.BAD_REQUEST, `chunk ${index} does not match its sha256 (damaged on the way)`);
    this.parts.set(index, bytes);
    if (this.begin.digest === 'chunks' || this.begin.digest === 'chunks-late') this.digests.set(index, d);
  }

  missing(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.begin.chunks; i++) if (!this.parts.has(i)) out.push(i);
    return out;
  }

  /** The package's bytes, once every chunk is here and the whole matches its hash. */
  assemble(expect: { size: number; sha256: string }): Buffer {
    const missing = this.missing();
    if (missing.length > 0) throw new ThingsError(ErrorCodes.TRANSFER_INCOMPLETE, `${missing.length} of ${this.begin.chunks} chunks are missing`, { missing: missing.slice(0, 1000) });
    // With `chunks-late` the begin named the transfer by its snapshot; its sha256 is the prepare's.
    const late = this.begin.digest === 'chunks-late';
    if (expect.size !== this.begin.size || (!late && expect.sha256 !== this.begin.sha256)) throw new ThingsError(ErrorCodes.BAD_REQUEST, 'the prepare names another transfer than the one begun');
    const order = this.received;
    const whole = Buffer.concat(order.map((i) => this.parts.get(i) as Buffer));
    const hash = this.begin.digest === 'chunks' || late ? sha256(Buffer.concat(order.map((i) => this.digests.get(i) as Buffer))) : sha256(whole);
    if (whole.length !== this.begin.size || hash !== expect.sha256) throw new ThingsError(ErrorCodes.SNAPSHOT_CORRUPT, 'the reassembled package does not match its sha256');
    return whole;
  }
}
