/**
 * Program directories as they travel in requests (the FileTree of ./messages.ts): packed by
 * thingsctl (`dispatch run AGENT DIR`) and by a migration's source agent, checked and written
 * by the agent that receives them.
 *
 * Only regular files travel. A symlink is packed as the file or directory it points to when
 * that stays inside the program's directory, and refused when it leaves it (the agent could
 * not provide it). Native addons (`.node`) are refused: they are built for one CPU and Node
 * ABI, and the host could not migrate their state anyway. `.git` folders are skipped; nothing
 * else is (node_modules travels).
 */
import fs from 'node:fs';
import path from 'node:path';
import { ErrorCodes, ThingsError } from '../shared/errors';
import type { FileTree } from './messages';

/** Limits of one tree, checked when packing and again by the receiving agent. The total is
 *  of the files' bytes (JSON and base64 make the message somewhat larger). */
export const FILE_TREE_LIMITS = {
  bytes: 16 * 1024 * 1024,
  files: 10_000,
  pathLength: 1024,
} as const;

const MIB = 1024 * 1024;
const bad = (message: string): ThingsError => new ThingsError(ErrorCodes.BAD_REQUEST, message);
const tooLarge = (message: string): ThingsError => new ThingsError(ErrorCodes.TOO_LARGE, message);
const unsupported = (message: string, file: string): ThingsError => new ThingsError(ErrorCodes.UNSUPPORTED, message, { file });

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const own = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/**
 * Packs directory `dir`, whose main module is `main` (absolute, or relative to `dir`).
 * Throws E_UNSUPPORTED (native addon, symlink leaving the directory, special file),
 * E_TOO_LARGE, or E_BAD_REQUEST (unreadable, or a name the protocol cannot carry).
 */
export function packDirectory(dir: string, main: string): FileTree {
  const root = path.resolve(dir);
  let realRoot: string;
  try {
    realRoot = fs.realpathSync(root);
  } catch (err) {
    throw bad(`cannot read ${root}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  // No prototype: a file may be named __proto__.
  const files: Record<string, string> = Object.create(null) as Record<string, string>;
  const base64: string[] = [];
  let count = 0;
  let bytes = 0;

  const inside = (real: string): boolean => {
    const rel = path.relative(realRoot, real);
    return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
  };

  // `ancestors`: real paths of the directories being walked, to refuse a symlink cycle.
  const walk = (abs: string, rel: string, ancestors: Set<string>): void => {
    for (const entry of fs.readdirSync(abs, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(abs, entry.name);
      const r = rel ? `${rel}/${entry.name}` : entry.name;
      let real = p;
      if (entry.isSymbolicLink()) {
        try {
          real = fs.realpathSync(p);
        } catch {
          continue; // dangling: there is nothing the program could read through it
        }
        if (!inside(real)) throw unsupported(`${r} is a symlink to ${real}, outside the program directory ${root}: copy what it points to into the directory`, r);
      }
      const st = fs.statSync(real);
      if (st.isDirectory()) {
        if (entry.name === '.git') continue;
        if (ancestors.has(real)) throw unsupported(`${r} is a symlink to one of its own parent directories`, r);
        ancestors.add(real);
        walk(p, r, ancestors);
        ancestors.delete(real);
      } else if (st.isFile()) {
        if (entry.name.endsWith('.node')) throw unsupported(`${r} is a native addon (.node): programs with native addons cannot be sent to an agent`, r);
        if (++count > FILE_TREE_LIMITS.files) throw tooLarge(`${root} has more than ${FILE_TREE_LIMITS.files} files, the limit of a program sent to an agent`);
        bytes += st.size;
        if (bytes > FILE_TREE_LIMITS.bytes) throw tooLarge(`${root} holds more than ${FILE_TREE_LIMITS.bytes / MIB} MiB of files (at ${r}), the limit of a program sent to an agent`);
        const content = fs.readFileSync(real);
        try {
          files[r] = utf8.decode(content);
        } catch {
          files[r] = content.toString('base64');
          base64.push(r);
        }
      } else {
        throw unsupported(`${r} is not a regular file or directory (a socket, FIFO or device) and cannot be sent`, r);
      }
    }
  };
  try {
    walk(root, '', new Set([realRoot]));
  } catch (err) {
    if (err instanceof ThingsError) throw err;
    const e = err as NodeJS.ErrnoException;
    throw bad(`cannot read ${e.path ?? root}: ${e.code ?? e.message}`);
  }

  const mainRel = path.relative(root, path.resolve(root, main)).split(path.sep).join('/');
  const tree: FileTree = { main: mainRel, files, ...(base64.length ? { base64 } : {}) };
  // The agent applies the same checks: fail here, before anything is sent.
  return checkFileTree(tree, 'the program directory');
}

/** Why `p` cannot be a path of a tree, or undefined when it can. */
function pathProblem(p: string): string | undefined {
  if (p === '') return 'is empty';
  if (p.length > FILE_TREE_LIMITS.pathLength) return `is longer than ${FILE_TREE_LIMITS.pathLength} characters`;
  if (p.includes('\0')) return 'contains a NUL character';
  if (p.includes('\\')) return 'contains a backslash (paths use /)';
  if (p.startsWith('/')) return 'is absolute';
  if (p.split('/').some((s) => s === '' || s === '.' || s === '..')) return 'has an empty, "." or ".." segment';
  return undefined;
}

/**
 * Checks an untrusted tree (the `files` argument of a request) and returns it. Throws
 * E_BAD_REQUEST for a malformed tree or a path leaving it, E_TOO_LARGE past the limits.
 */
export function checkFileTree(raw: unknown, what = 'args.files'): FileTree {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw bad(`${what} must be an object {main, files}`);
  const t = raw as Record<string, unknown>;
  const files = t.files;
  if (!files || typeof files !== 'object' || Array.isArray(files)) throw bad(`${what}.files must be an object: path → content`);
  const entries = Object.entries(files as Record<string, unknown>);
  if (entries.length === 0) throw bad(`${what}.files is empty`);
  if (entries.length > FILE_TREE_LIMITS.files) throw tooLarge(`${what} has ${entries.length} files; the limit is ${FILE_TREE_LIMITS.files}`);
  const base64 = t.base64 === undefined ? [] : t.base64;
  if (!Array.isArray(base64) || !base64.every((p) => typeof p === 'string' && own(files, p))) throw bad(`${what}.base64 must list paths of ${what}.files`);
  const binary = new Set(base64 as string[]);

  let bytes = 0;
  const dirs = new Set<string>();
  for (const [p, content] of entries) {
    const problem = pathProblem(p);
    if (problem) throw bad(`${what}: the path ${JSON.stringify(p)} ${problem}`);
    if (typeof content !== 'string') throw bad(`${what}: the content of ${p} must be a string`);
    if (binary.has(p)) {
      if (!BASE64.test(content)) throw bad(`${what}: the content of ${p} is not base64`);
      bytes += Buffer.byteLength(content, 'base64');
    } else {
      bytes += Buffer.byteLength(content, 'utf8');
    }
    const parts = p.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  if (bytes > FILE_TREE_LIMITS.bytes) throw tooLarge(`${what} holds ${(bytes / MIB).toFixed(1)} MiB of files; the limit is ${FILE_TREE_LIMITS.bytes / MIB} MiB`);
  for (const [p] of entries) if (dirs.has(p)) throw bad(`${what}: ${p} is both a file and a directory`);

  const main = t.main;
  if (typeof main !== 'string' || !own(files, main)) throw bad(`${what}.main must be the path of one of its files, got ${JSON.stringify(main)}`);
  if (binary.has(main)) throw bad(`${what}.main (${main}) is not text`);
  return { main, files: files as Record<string, string>, ...(binary.size ? { base64: [...binary] } : {}) };
}

/** Writes a checked tree into `dir`, replacing whatever was there. */
export async function writeFileTree(tree: FileTree, dir: string): Promise<void> {
  const root = path.resolve(dir);
  await fs.promises.rm(root, { recursive: true, force: true });
  await fs.promises.mkdir(root, { recursive: true, mode: 0o700 });
  const binary = new Set(tree.base64 ?? []);
  for (const [p, content] of Object.entries(tree.files)) {
    const file = path.join(root, ...p.split('/'));
    // checkFileTree already refused such paths; a write outside `dir` must be impossible.
    if (!file.startsWith(root + path.sep)) throw bad(`the path ${JSON.stringify(p)} leaves the program directory`);
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    // 'wx': the directory is fresh, so an existing file here means two paths collided.
    await fs.promises.writeFile(file, binary.has(p) ? Buffer.from(content, 'base64') : content, { flag: 'wx' });
  }
}
