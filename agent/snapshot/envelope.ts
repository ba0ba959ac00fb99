/**
 * The snapshot envelope: a fixed header (format, version, content hash) around the body.
 *
 *   {"format":"thingsjs-snapshot","version":3,"hash":"sha256:<64 hex>","body":<body JSON>}
 *
 * The hash covers the exact bytes of the body text, so verification needs no
 * re-serialisation. A snapshot of a newer version is refused (E_SNAPSHOT_VERSION); one whose
 * hash, header or JSON is wrong is refused as corrupt (E_SNAPSHOT_CORRUPT).
 */
import { sha256Hex } from '../shared/lazy-crypto';
import { ThingsError, ErrorCodes } from '../shared/errors';

export const SNAPSHOT_FORMAT = 'thingsjs-snapshot';
/** 3: plain objects and arrays that one place refers to are written in that place.
 *  2: ordinary objects and dense arrays as JSON objects and arrays (`j` / `q` records).
 *  A reader reads every earlier version (docs/snapshot-format.md). */
export const SNAPSHOT_VERSION = 3;

const HEADER = /^\{"format":"thingsjs-snapshot","version":(\d+),"hash":"sha256:([0-9a-f]{64})","body":/;

// (Node's crypto is loaded when a hash is first taken: a program host never takes one, the
// agent seals what the host captures and checks what it restores.)

export function sealSnapshot(body: unknown): string {
  return sealBodyText(JSON.stringify(body));
}

/** The envelope around a body already written as JSON text (`bodyText` must be the
 *  JSON.stringify of a body: it is not checked here). */
export function sealBodyText(bodyText: string): string {
  return `${envelopeHead(sha256Hex(bodyText))}${bodyText}}`;
}

const envelopeHead = (hashHex: string): string => `{"format":"${SNAPSHOT_FORMAT}","version":${SNAPSHOT_VERSION},"hash":"sha256:${hashHex}","body":`;

/** Bytes before the body in a sealed snapshot, and after it (see sealBodyBytes). */
export const SEAL_HEAD_BYTES = envelopeHead('0'.repeat(64)).length;
export const SEAL_TAIL_BYTES = 1;

/**
 * Seals, in place, a body given as the UTF-8 bytes of its JSON text: `buf` holds the body
 * from SEAL_HEAD_BYTES to SEAL_TAIL_BYTES before its end, and gets the envelope around it.
 * Returns `buf`: the snapshot's UTF-8 bytes, as a large snapshot stays in the agent (no text
 * is decoded or encoded on its way from a spool file to a checkpoint, a migration's chunks
 * or another host).
 */
export function sealBodyBytes(buf: Buffer): Buffer {
  const hash = sha256Hex(buf.subarray(SEAL_HEAD_BYTES, buf.length - SEAL_TAIL_BYTES));
  buf.write(envelopeHead(hash), 0, 'latin1');
  buf[buf.length - 1] = 0x7d; // }
  return buf;
}

/** A snapshot as the agent holds it: its text, or (a large one) the UTF-8 bytes of its text. */
export type SnapshotData = string | Buffer;

/** The text of a snapshot held as either. */
export const snapshotText = (s: SnapshotData): string => (typeof s === 'string' ? s : s.toString('utf8'));

export interface OpenedSnapshot<T> {
  version: number;
  hash: string;
  body: T;
  bytes: number;
}

export interface OpenOptions {
  /** The caller has checked the hash already (checkSnapshot, or a transfer's own sha256 over
   *  the same bytes): only the header and the JSON are checked here. */
  hashChecked?: boolean;
}

/** Checks the header and the body text: version, hash and JSON, and returns the body. */
export function openSnapshot<T = unknown>(data: SnapshotData, options: OpenOptions = {}): OpenedSnapshot<T> {
  const text = snapshotText(data);
  const { version, hash, bodyText } = envelopeOf(text, options.hashChecked !== true);
  let body: T;
  try {
    body = JSON.parse(bodyText) as T;
  } catch (err) {
    throw new ThingsError(ErrorCodes.SNAPSHOT_CORRUPT, `the snapshot body is not valid JSON: ${(err as Error).message}`);
  }
  return { version, hash, body, bytes: text.length };
}

/** Checks the header and the hash of the body text without parsing it (the agent, before it
 *  hands a snapshot to a program host, which then parses it: see OpenOptions.hashChecked). */
export function checkSnapshot(data: SnapshotData): { version: number; hash: string } {
  const { version, hash } = envelopeOf(data, true);
  return { version, hash };
}

function envelopeOf<D extends SnapshotData>(text: D, checkHash: boolean): { version: number; hash: string; bodyText: D } {
  if ((typeof text !== 'string' && !Buffer.isBuffer(text)) || !text.length) throw new ThingsError(ErrorCodes.SNAPSHOT_CORRUPT, 'the snapshot is empty');
  // (The header is ASCII: as many bytes as characters.)
  const start = typeof text === 'string' ? text.slice(0, 400) : text.toString('latin1', 0, 400);
  const m = HEADER.exec(start.slice(0, 200));
  if (!m) {
    if (start.includes('"format"') && start.includes(SNAPSHOT_FORMAT)) {
      const v = /"version"\s*:\s*(\d+)/.exec(start);
      if (v && Number(v[1]) > SNAPSHOT_VERSION) throw versionError(Number(v[1]));
    }
    throw new ThingsError(ErrorCodes.SNAPSHOT_CORRUPT, 'this is not a ThingsJS snapshot (its header is missing or damaged)');
  }
  const version = Number(m[1]);
  if (version > SNAPSHOT_VERSION) throw versionError(version);
  if (typeof text === 'string' ? !text.endsWith('}') : text[text.length - 1] !== 0x7d) throw new ThingsError(ErrorCodes.SNAPSHOT_CORRUPT, 'the snapshot is truncated');
  const bodyText = (typeof text === 'string' ? text.slice(m[0].length, -1) : text.subarray(m[0].length, text.length - 1)) as D;
  if (checkHash) {
    const hash = sha256Hex(bodyText);
    if (hash !== m[2]) throw new ThingsError(ErrorCodes.SNAPSHOT_CORRUPT, `the snapshot is corrupted: its content hash is ${hash.slice(0, 12)}…, the header says ${m[2].slice(0, 12)}…`);
  }
  return { version, hash: `sha256:${m[2]}`, bodyText };
}

function versionError(v: number): ThingsError {
  return new ThingsError(ErrorCodes.SNAPSHOT_VERSION, `this snapshot has format version ${v}; this ThingsJS reads up to version ${SNAPSHOT_VERSION}: upgrade the agent`);
}
