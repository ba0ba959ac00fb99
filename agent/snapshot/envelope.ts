/**
 * The snapshot envelope: a fixed header (format, version, content hash) around the body.
 *
 *   {"format":"thingsjs-snapshot","version":3,"hash":"sha256:<64 hex>","body":<body JSON>}
 *
 * The hash covers the exact bytes of the body text, so verification needs no
 * re-serialisation. A snapshot of a newer version is refused (E_SNAPSHOT_VERSION); one whose
 * hash, header or JSON is wrong is refused as corrupt (E_SNAPSHOT_CORRUPT).
 */
import { createHash } from 'node:crypto';
import { ThingsError, ErrorCodes } from '../shared/errors';

export const SNAPSHOT_FORMAT = 'thingsjs-snapshot';
/** 3: plain objects and arrays that one place refers to are written in that place.
 *  2: ordinary objects and dense arrays as JSON objects and arrays (`j` / `q` records).
 *  A reader reads every earlier version (docs/snapshot-format.md). */
export const SNAPSHOT_VERSION = 3;

const HEADER = /^\{"format":"thingsjs-snapshot","version":(\d+),"hash":"sha256:([0-9a-f]{64})","body":/;

export function sealSnapshot(body: unknown): string {
  const text = JSON.stringify(body);
  const hash = createHash('sha256').update(text).digest('hex');
  return `{"format":"${SNAPSHOT_FORMAT}","version":${SNAPSHOT_VERSION},"hash":"sha256:${hash}","body":${text}}`;
}

export interface OpenedSnapshot<T> {
  version: number;
  hash: string;
  body: T;
  bytes: number;
}

export function openSnapshot<T = unknown>(text: string): OpenedSnapshot<T> {
  if (typeof text !== 'string' || !text.length) throw new ThingsError(ErrorCodes.SNAPSHOT_CORRUPT, 'the snapshot is empty');
  const m = HEADER.exec(text.slice(0, 200));
  if (!m) {
    if (text.includes('"format"') && text.includes(SNAPSHOT_FORMAT)) {
      const v = /"version"\s*:\s*(\d+)/.exec(text.slice(0, 400));
      if (v && Number(v[1]) > SNAPSHOT_VERSION) throw versionError(Number(v[1]));
    }
    throw new ThingsError(ErrorCodes.SNAPSHOT_CORRUPT, 'this is not a ThingsJS snapshot (its header is missing or damaged)');
  }
  const version = Number(m[1]);
  if (version > SNAPSHOT_VERSION) throw versionError(version);
  if (!text.endsWith('}')) throw new ThingsError(ErrorCodes.SNAPSHOT_CORRUPT, 'the snapshot is truncated');
  const bodyText = text.slice(m[0].length, -1);
  const hash = createHash('sha256').update(bodyText).digest('hex');
  if (hash !== m[2]) throw new ThingsError(ErrorCodes.SNAPSHOT_CORRUPT, `the snapshot is corrupted: its content hash is ${hash.slice(0, 12)}…, the header says ${m[2].slice(0, 12)}…`);
  let body: T;
  try {
    body = JSON.parse(bodyText) as T;
  } catch (err) {
    throw new ThingsError(ErrorCodes.SNAPSHOT_CORRUPT, `the snapshot body is not valid JSON: ${(err as Error).message}`);
  }
  return { version, hash: `sha256:${hash}`, body, bytes: text.length };
}

function versionError(v: number): ThingsError {
  return new ThingsError(ErrorCodes.SNAPSHOT_VERSION, `this snapshot has format version ${v}; this ThingsJS reads up to version ${SNAPSHOT_VERSION}: upgrade the agent`);
}
