/**
 * Checkpoints: what the agent needs to bring its programs back after it restarts (a clean
 * stop, a crash, a power loss) and to restart a failed program. Two files per live program
 * in <state_dir>/checkpoints/:
 *
 *   <id>.program.json   how to start it from the beginning (its source, or its directory's
 *                       main module; arguments, restart policy, memory limit). Written when
 *                       the program is started by `run`; absent for a program that arrived
 *                       as a snapshot (migration, `dispatch restore`).
 *   <id>.ckpt           its last captured state: one JSON header line, then the snapshot
 *                       exactly as the program host produced it (itself hashed):
 *                         {"format":"thingsjs-checkpoint","version":1,"id":"…","paused":false,…}
 *                         {"format":"thingsjs-snapshot","version":1,"hash":"sha256:…","body":…}
 *
 * Every write is crash-safe (temp file → fsync → rename → fsync of the directory, see
 * StateDir.writeDurably): after a power loss a file is the old version or the new one. A
 * file that cannot be read back (torn by a failing card, edited by hand) is reported with
 * E_SNAPSHOT_CORRUPT and renamed to <name>.corrupt for a person to look at; the agent goes on
 * with the other programs.
 *
 * A directory program's files stay in <state_dir>/programs/<id>/ while it has a checkpoint.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ErrorCodes, ThingsError } from '../shared/errors';
import { checkSnapshot, type SnapshotData } from '../snapshot/envelope';
import type { RestartPolicy } from '../protocol/messages';
import { isProcessId } from '../protocol/ids';
import { byteLength, type FileData, type StateDir } from './state-dir';

export const CHECKPOINT_FORMAT = 'thingsjs-checkpoint';
export const PROGRAM_FORMAT = 'thingsjs-program';

/** The program's settings, in both files. */
export interface ProgramSettings {
  id: string;
  name: string;
  restart: RestartPolicy;
  memoryLimit?: number;
  /** A directory program: its main module (a tree path); its files are in programs/<id>/. */
  main?: string;
}

/** <id>.program.json */
export interface StartSpec extends ProgramSettings {
  format: typeof PROGRAM_FORMAT;
  version: 1;
  /** A one-file program's source (a directory program's files are on disk). */
  source?: string;
  args?: string[];
}

/** The first line of <id>.ckpt. */
export interface CheckpointHeader extends ProgramSettings {
  format: typeof CHECKPOINT_FORMAT;
  version: 1;
  savedAt: string;
  paused: boolean;
  restarts: number;
  /** Lines of output printed when the state was captured. */
  outputSeq: number;
  /** A migration target's copy of migration `preparedFor`, written beside its journal entry
   *  (not after it): without a `prepared` or `committed` entry it is no program of ours. */
  preparedFor?: string;
}

export interface Checkpoint {
  header: CheckpointHeader;
  snapshot: string;
}

/** What start-up finds for one program. */
export interface Saved {
  id: string;
  start?: StartSpec;
  /** Header only: the snapshot is read again when the program is restored. */
  checkpoint?: CheckpointHeader;
}

export class CheckpointStore {
  constructor(private readonly stateDir: StateDir) {}

  get dir(): string {
    return path.join(this.stateDir.path, 'checkpoints');
  }

  start(): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    // Temp files of writes a crash interrupted: the previous versions are intact.
    for (const name of fs.readdirSync(this.dir)) if (/\.tmp-\d+$/.test(name)) fs.rmSync(path.join(this.dir, name), { force: true });
  }

  private ckptFile(id: string): string {
    return path.join(this.dir, `${id}.ckpt`);
  }

  private startFile(id: string): string {
    return path.join(this.dir, `${id}.program.json`);
  }

  /** Durably writes the program's start spec. */
  writeStart(spec: Omit<StartSpec, 'format' | 'version'>): void {
    this.stateDir.writeDurably(this.startFile(spec.id), JSON.stringify({ format: PROGRAM_FORMAT, version: 1, ...spec }));
  }

  /** Durably writes a checkpoint; returns its size in bytes. */
  write(header: Omit<CheckpointHeader, 'format' | 'version' | 'savedAt'>, snapshot: SnapshotData): number {
    const parts = this.parts(header, snapshot);
    this.stateDir.writeDurably(this.ckptFile(header.id), parts);
    return byteLength(parts);
  }

  /** `write` without blocking the event loop (see StateDir.writeDurablyAsync). */
  async writeAsync(header: Omit<CheckpointHeader, 'format' | 'version' | 'savedAt'>, snapshot: SnapshotData): Promise<number> {
    const parts = this.parts(header, snapshot);
    await this.stateDir.writeDurablyAsync(this.ckptFile(header.id), parts);
    return byteLength(parts);
  }

  /** The file's header line and snapshot (a snapshot held as bytes is written as it is). */
  private parts(header: Omit<CheckpointHeader, 'format' | 'version' | 'savedAt'>, snapshot: SnapshotData): FileData {
    const head: CheckpointHeader = { format: CHECKPOINT_FORMAT, version: 1, savedAt: new Date().toISOString(), ...header };
    if (typeof snapshot === 'string') return `${JSON.stringify(head)}\n${snapshot}`;
    return [Buffer.from(`${JSON.stringify(head)}\n`, 'utf8'), snapshot];
  }

  /** Rewrites `id`'s checkpoint without its `preparedFor` mark (the copy is committed: it is
   *  a program of ours whatever the journal keeps). Off the event loop; nothing to do when the
   *  checkpoint has no mark (a later one replaced it) or is gone. */
  async unmarkPrepared(id: string): Promise<void> {
    let text: string;
    try {
      text = await fs.promises.readFile(this.ckptFile(id), 'utf8');
    } catch {
      return;
    }
    const nl = text.indexOf('\n');
    const header = parseHeader(nl === -1 ? text : text.slice(0, nl), this.ckptFile(id), id);
    if (header.preparedFor === undefined) return;
    delete header.preparedFor;
    await this.stateDir.writeDurablyAsync(this.ckptFile(id), `${JSON.stringify(header)}${nl === -1 ? '' : text.slice(nl)}`);
  }

  hasCheckpoint(id: string): boolean {
    return fs.existsSync(this.ckptFile(id));
  }

  /** Reads and verifies a checkpoint (header and snapshot hash); undefined when there is
   *  none; throws E_SNAPSHOT_CORRUPT when it is damaged. */
  read(id: string): Checkpoint | undefined {
    let text: string;
    try {
      text = fs.readFileSync(this.ckptFile(id), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw corrupt(this.ckptFile(id), `cannot be read: ${(err as Error).message}`);
    }
    const nl = text.indexOf('\n');
    const header = parseHeader(nl === -1 ? text : text.slice(0, nl), this.ckptFile(id), id);
    const snapshot = nl === -1 ? '' : text.slice(nl + 1);
    try {
      // Header and hash; the JSON is parsed once, by the host that restores it.
      checkSnapshot(snapshot);
    } catch (err) {
      throw corrupt(this.ckptFile(id), (err as Error).message);
    }
    return { header, snapshot };
  }

  readStart(id: string): StartSpec | undefined {
    let text: string;
    try {
      text = fs.readFileSync(this.startFile(id), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw corrupt(this.startFile(id), `cannot be read: ${(err as Error).message}`);
    }
    let spec: StartSpec;
    try {
      spec = JSON.parse(text) as StartSpec;
    } catch (err) {
      throw corrupt(this.startFile(id), `is not valid JSON: ${(err as Error).message}`);
    }
    if (!spec || spec.format !== PROGRAM_FORMAT || spec.id !== id || typeof spec.name !== 'string' || (spec.source === undefined && spec.main === undefined)) {
      throw corrupt(this.startFile(id), 'is not a program record of this agent');
    }
    if (spec.version > 1) throw new ThingsError(ErrorCodes.SNAPSHOT_VERSION, `${this.startFile(id)} has format version ${spec.version}; upgrade the agent`);
    return spec;
  }

  /** The program ended, was killed or moved away: it must not come back. */
  remove(id: string): void {
    fs.rmSync(this.ckptFile(id), { force: true });
    fs.rmSync(this.startFile(id), { force: true });
  }

  /** Only the checkpoint (it turned out damaged, see setAside): the start spec stays. */
  removeCheckpoint(id: string): void {
    fs.rmSync(this.ckptFile(id), { force: true });
  }

  /** Renames a damaged file to <name>.corrupt (replacing an older one); returns the new name. */
  setAside(file: string): string {
    const aside = `${file}.corrupt`;
    try {
      fs.renameSync(file, aside);
    } catch {
      fs.rmSync(file, { force: true });
    }
    return aside;
  }

  /** The file behind an error of read/readStart (for setAside). */
  static fileOf(err: unknown): string | undefined {
    return (err as ThingsError)?.details?.file as string | undefined;
  }

  /**
   * Every program with a checkpoint or a start spec, checked. Damaged files are set aside
   * and reported through `onCorrupt`; that program is left out (it is not started from its
   * beginning instead: a program that ran for months starting over could do harm, and a
   * person should decide).
   */
  loadAll(onCorrupt: (id: string, err: ThingsError, aside: string) => void): Saved[] {
    const ids = new Set<string>();
    for (const name of fs.readdirSync(this.dir)) {
      const m = /^(.+)\.(ckpt|program\.json)$/.exec(name);
      if (m && isProcessId(m[1])) ids.add(m[1]);
    }
    const saved: Saved[] = [];
    for (const id of [...ids].sort()) {
      try {
        const start = this.readStart(id);
        const ckpt = this.read(id);
        saved.push({ id, start, checkpoint: ckpt?.header });
      } catch (err) {
        const e = err instanceof ThingsError ? err : corrupt(this.ckptFile(id), String(err));
        const file = CheckpointStore.fileOf(e);
        const aside = file ? this.setAside(file) : '';
        // The other file of the pair is no use alone (a start spec would start it over).
        for (const other of [this.ckptFile(id), this.startFile(id)]) if (fs.existsSync(other)) this.setAside(other);
        onCorrupt(id, e, aside);
      }
    }
    return saved;
  }
}

function corrupt(file: string, why: string): ThingsError {
  return new ThingsError(ErrorCodes.SNAPSHOT_CORRUPT, `checkpoint ${file} ${why.startsWith('cannot') || why.startsWith('is ') ? why : `is damaged: ${why}`}`, { file });
}

function parseHeader(line: string, file: string, id: string): CheckpointHeader {
  let h: CheckpointHeader;
  try {
    h = JSON.parse(line) as CheckpointHeader;
  } catch (err) {
    throw corrupt(file, `is damaged: its header is not valid JSON (${(err as Error).message})`);
  }
  if (!h || h.format !== CHECKPOINT_FORMAT || h.id !== id || typeof h.name !== 'string') throw corrupt(file, 'is damaged: its header is not a checkpoint header of this program');
  if (h.version > 1) throw new ThingsError(ErrorCodes.SNAPSHOT_VERSION, `checkpoint ${file} has format version ${h.version}; upgrade the agent`, { file });
  return h;
}
