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
 * Chunks are slices of the package's UTF-8 bytes, base64 in the message, each with the
 * sha256 of its bytes; the whole has its own sha256. Every message is idempotent: a chunk
 * sent twice is kept once, a begin sent again answers which chunks are already there (a
 * transfer resumes after a lost message or a broker restart).
 */
import { createHash } from 'node:crypto';
import { ErrorCodes, ThingsError } from '../shared/errors';
import type { PrepareBeginArgs } from './messages';

/** Room left in a message for everything but a chunk's data (topic, JSON envelope, MQTT 5
 *  properties). */
const ENVELOPE_BYTES = 1024;

export const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/** Bytes of package per chunk so that a prepare-chunk message stays within `maxPacket`. */
export function chunkSizeFor(maxPacket: number): number {
  return Math.max(256, Math.floor(((maxPacket - ENVELOPE_BYTES) * 3) / 4 / 4) * 4);
}

export class OutgoingTransfer {
  readonly bytes: Buffer;
  readonly sha256: string;
  readonly chunks: number;

  constructor(
    text: string,
    readonly chunkSize: number,
  ) {
    this.bytes = Buffer.from(text, 'utf8');
    this.sha256 = sha256(this.bytes);
    this.chunks = Math.ceil(this.bytes.length / chunkSize);
  }

  get size(): number {
    return this.bytes.length;
  }

  chunk(index: number): { index: number; data: string; sha256: string; bytes: number } {
    const slice = this.bytes.subarray(index * this.chunkSize, Math.min(this.bytes.length, (index + 1) * this.chunkSize));
    return { index, data: slice.toString('base64'), sha256: sha256(slice), bytes: slice.length };
  }
}

export class IncomingTransfer {
  private readonly parts = new Map<number, Buffer>();
  lastActivity = Date.now();

  constructor(readonly begin: PrepareBeginArgs) {}

  get received(): number[] {
    return [...this.parts.keys()].sort((a, b) => a - b);
  }

  /** Keeps a chunk after checking it; a chunk received again is ignored. */
  add(index: number, data: string, hash: string): void {
    this.lastActivity = Date.now();
    const { chunks, chunkSize, size } = this.begin;
    if (index >= chunks) throw new ThingsError(ErrorCodes.BAD_REQUEST, `chunk ${index} of a transfer of ${chunks} chunks`);
    if (this.parts.has(index)) return;
    const bytes = Buffer.from(data, 'base64');
    const expected = index === chunks - 1 ? size - index * chunkSize : chunkSize;
    if (bytes.length !== expected) throw new ThingsError(ErrorCodes.BAD_REQUEST, `chunk ${index} has ${bytes.length} bytes, ${expected} expected`);
    if (sha256(bytes) !== hash) throw new ThingsError(ErrorCodes.BAD_REQUEST, `chunk ${index} does not match its sha256 (damaged on the way)`);
    this.parts.set(index, bytes);
  }

  missing(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.begin.chunks; i++) if (!this.parts.has(i)) out.push(i);
    return out;
  }

  /** The package's text, once every chunk is here and the whole matches its hash. */
  assemble(expect: { size: number; sha256: string }): string {
    const missing = this.missing();
    if (missing.length > 0) throw new ThingsError(ErrorCodes.TRANSFER_INCOMPLETE, `${missing.length} of ${this.begin.chunks} chunks are missing`, { missing: missing.slice(0, 1000) });
    if (expect.size !== this.begin.size || expect.sha256 !== this.begin.sha256) throw new ThingsError(ErrorCodes.BAD_REQUEST, 'the prepare names another transfer than the one begun');
    const whole = Buffer.concat(this.received.map((i) => this.parts.get(i) as Buffer));
    if (whole.length !== this.begin.size || sha256(whole) !== this.begin.sha256) throw new ThingsError(ErrorCodes.SNAPSHOT_CORRUPT, 'the reassembled package does not match its sha256');
    return whole.toString('utf8');
  }
}
