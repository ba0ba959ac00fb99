/**
 * ProgramHost: runs one program in this process — instrumented, under the runtime — and
 * captures or restores it. Used by the agent's child processes (child.ts) and by the local
 * `thingsctl run`.
 *
 * A program is one file or a directory (package.json `main`, else index.js). Every module it
 * loads from its own files and from node_modules is instrumented as it loads (the loader hook
 * below); ES modules are compiled to CommonJS-shaped modules on the way (compiler goal
 * 'module'). A restore rebuilds Node's module graph from the snapshot: require.cache,
 * require.main, parent/children, and the resolutions the program made, so a require() after a
 * restore returns the restored module without running it again (even where the files are
 * absent).
 */
import fs from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import type * as Compiler from '../compiler';
import { Runtime, type SnapshotBody } from '../runtime';
import { openSnapshot, sealBodyText } from '../snapshot/envelope';
import { entryKind } from '../runtime/heap/format';
import { ErrorCodes, ThingsError } from '../shared/errors';
import { monotonicMs } from '../shared/clock';

/** The instrumenter, loaded when first used: a restored program needs it only if it loads a
 *  module it had not loaded before or makes a function with `new Function` (its module
 *  initialisation is about half of the host's start-up code). */
let compiler: typeof Compiler | undefined;
function instrument(source: string, options: Parameters<typeof Compiler.instrument>[1]): ReturnType<typeof Compiler.instrument> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  compiler ??= require('../compiler') as typeof Compiler;
  return compiler.instrument(source, options);
}

/** The parts of a Node module object the host uses. */
interface NodeModule {
  id: string;
  filename: string;
  path: string;
  paths: string[];
  loaded: boolean;
  exports: unknown;
  parent?: NodeModule | null;
  children: NodeModule[];
  _compile(code: string, filename: string): unknown;
}
type Extension = (this: unknown, module: NodeModule, filename: string) => void;
interface ModuleInternals {
  _nodeModulePaths(dir: string): string[];
  _extensions: Record<string, Extension>;
  _cache: Record<string, NodeModule>;
  _resolveFilename(request: string, parent: NodeModule | null | undefined, isMain?: boolean, options?: unknown): string;
  isBuiltin?(name: string): boolean;
  builtinModules: string[];
  prototype: { require(id: string): unknown };
}
const ModuleX = Module as unknown as ModuleInternals & (new (id: string, parent?: unknown) => NodeModule);

/** A module entry of the snapshot body, with the module-graph fields the host adds. */
export interface ModuleEntry {
  key: string;
  code: string;
  filename?: string;
  /** Key of the module that first required it (null for the main module). */
  parent?: string | null;
  /** Keys of the program modules it required, in order. */
  children?: string[];
  /** How its require() calls resolved: request → module key. */
  requires?: Record<string, string>;
}

export interface CaptureOutput {
  snapshot: string;
  objects: number;
  timers: number;
  bytes: number;
  captureMs: number;
}

/** The main module of a program given as a file or a directory, and the program's root. */
export function resolveProgram(target: string): { root: string; main: string } {
  const abs = path.resolve(target);
  if (!fs.statSync(abs).isDirectory()) return { root: path.dirname(abs), main: abs };
  const isFile = (p: string): boolean => fs.statSync(p, { throwIfNoEntry: false })?.isFile() ?? false;
  let main: string | undefined;
  const pkgFile = path.join(abs, 'package.json');
  if (isFile(pkgFile)) {
    const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8')) as { main?: unknown };
    if (typeof pkg.main === 'string' && pkg.main) {
      const m = path.resolve(abs, pkg.main);
      main = [m, `${m}.js`, `${m}.json`, path.join(m, 'index.js')].find(isFile);
      if (!main) throw new ThingsError(ErrorCodes.BAD_REQUEST, `${pkgFile}: its "main" (${pkg.main}) is not a file`);
    }
  }
  main ??= path.join(abs, 'index.js');
  if (!isFile(main)) throw new ThingsError(ErrorCodes.BAD_REQUEST, `${abs} is a directory without package.json "main" or index.js`);
  return { root: abs, main };
}

export class ProgramHost {
  runtime!: Runtime;
  name = '';
  /** Module objects of the program (instrumented, or JSON data it loaded). */
  private readonly programModules = new WeakSet<object>();
  /** Resolutions made by program modules: parent filename → request → resolved filename. */
  private readonly resolved = new Map<string, Map<string, string>>();
  /** `"type"` of the nearest package.json of each directory (cache). */
  private readonly packageType = new Map<string, string | undefined>();

  /** Points a host installed ahead of its program (child.ts) at the program's directory. */
  retarget(root: string, name: string): void {
    this.name = name;
    this.runtime.options.root = path.resolve(root);
    this.runtime.options.name = name;
  }

  /** Call once per process, before start() or restore(). */
  install(root: string, name: string): void {
    this.name = name;
    this.runtime = new Runtime({
      root: path.resolve(root),
      name,
      requireBuiltin: (n) => require(n),
      compileDynamic: (code, key) => instrument(code, { filename: key }).code,
    });
    this.runtime.install();
    const runtime = this.runtime;
    const isBuiltin = ModuleX.isBuiltin ?? ((n: string) => ModuleX.builtinModules.includes(n.replace(/^node:/, '')));
    const original = ModuleX.prototype.require;
    const programApi = runtime.programApi();
    ModuleX.prototype.require = function (this: unknown, id: string) {
      if (id === 'thingsjs') return programApi;
      const exp = original.call(this, id);
      if (typeof id === 'string' && isBuiltin(id)) runtime.noteBuiltinModule(id, exp);
      return exp;
    };
    this.installLoader(isBuiltin);
    // The runtime's built-in table walks `process` and `node:module` (a few levels deep):
    // program modules hang off process.mainModule and Module._cache, and their exports must
    // never be taken for built-ins. As accessors these two are not walked.
    let cache = ModuleX._cache;
    Object.defineProperty(ModuleX, '_cache', { get: () => cache, set: (v) => (cache = v), enumerable: true, configurable: true });
    let main = (process as { mainModule?: unknown }).mainModule;
    Object.defineProperty(process, 'mainModule', { get: () => main, set: (v) => (main = v), enumerable: true, configurable: true });
  }

  /**
   * The require hook: program files (under the root, or required by a program module — a
   * node_modules folder higher up) are instrumented when they load; .mjs and "type":
   * "module" files are compiled as ES modules. Other files load as Node loads them.
   */
  private installLoader(isBuiltin: (n: string) => boolean): void {
    const host = this;
    const ext = ModuleX._extensions;
    const js = ext['.js'];
    const json = ext['.json'];
    const code: Extension = function (module, filename) {
      if (!filename.endsWith('.mjs') && !host.owns(module, filename)) return js.call(this, module, filename);
      host.compileFile(module, filename);
    };
    ext['.js'] = code;
    ext['.cjs'] = code;
    ext['.mjs'] = code;
    ext['.json'] = function (module, filename) {
      json.call(this, module, filename);
      if (host.owns(module, filename)) host.registerData(module, filename);
    };
    const resolve = ModuleX._resolveFilename;
    ModuleX._resolveFilename = function (this: unknown, request: string, parent: NodeModule | null | undefined, isMain?: boolean, options?: unknown): string {
      const fromProgram = parent && host.programModules.has(parent) && typeof request === 'string' && !options;
      if (fromProgram) {
        // After a restore: the resolution the program made before, if that module is loaded.
        const known = host.resolved.get(parent.filename)?.get(request);
        if (known && ModuleX._cache[known]) return known;
      }
      const filename = resolve.call(this, request, parent, isMain, options);
      if (fromProgram && !isBuiltin(request) && path.isAbsolute(filename)) {
        let m = host.resolved.get(parent.filename);
        if (!m) host.resolved.set(parent.filename, (m = new Map()));
        m.set(request, filename);
      }
      return filename;
    };
  }

  private owns(module: NodeModule, filename: string): boolean {
    const rel = path.relative(this.runtime.options.root, filename);
    if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) return true;
    return !!module.parent && this.programModules.has(module.parent);
  }

  /** 'module' for .mjs and for .js under a package.json with "type": "module". */
  goalOf(filename: string): 'script' | 'module' {
    if (filename.endsWith('.mjs')) return 'module';
    if (filename.endsWith('.cjs') || !filename.endsWith('.js')) return 'script';
    return this.typeOfDir(path.dirname(filename)) === 'module' ? 'module' : 'script';
  }

  private typeOfDir(dir: string): string | undefined {
    if (this.packageType.has(dir)) return this.packageType.get(dir);
    let type: string | undefined;
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) {
      try {
        const t = (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { type?: unknown }).type;
        type = typeof t === 'string' ? t : undefined;
      } catch {
        type = undefined;
      }
    } else if (path.basename(dir) !== 'node_modules' && path.dirname(dir) !== dir) {
      type = this.typeOfDir(path.dirname(dir));
    }
    this.packageType.set(dir, type);
    return type;
  }

  private compileFile(module: NodeModule, filename: string): void {
    let source = fs.readFileSync(filename, 'utf8');
    if (source.charCodeAt(0) === 0xfeff) source = source.slice(1);
    const { code } = instrument(source, { filename, goal: this.goalOf(filename) });
    this.runtime.moduleCode.set(this.runtime.moduleKey(filename), code);
    this.programModules.add(module);
    module._compile(code, filename);
  }

  /** A JSON module: its value is ordinary heap state, kept with the module's key. */
  private registerData(module: NodeModule, filename: string): void {
    this.programModules.add(module);
    this.runtime.modules.set(this.runtime.moduleKey(filename), { module, exports: module.exports });
  }

  /** Instruments and runs a program's main module (read from the file unless `source` is
   *  given: then the file need not exist). */
  start(filename: string, source?: string): void {
    const abs = path.resolve(filename);
    let text = source ?? fs.readFileSync(abs, 'utf8');
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const { code } = instrument(text, { filename, goal: this.goalOf(abs) });
    const key = this.runtime.moduleKey(abs);
    this.runtime.mainKey = key;
    this.runtime.moduleCode.set(key, code);
    const m = this.newModule(abs, true);
    try {
      m._compile(code, abs);
    } catch (err) {
      delete ModuleX._cache[abs];
      throw err;
    }
    m.loaded = true;
  }

  /** A module object as Node's loader makes it, in require.cache. */
  private newModule(abs: string, isMain: boolean): NodeModule {
    const m = new ModuleX(abs, null);
    m.filename = abs;
    m.paths = ModuleX._nodeModulePaths(path.dirname(abs));
    if (isMain) {
      m.id = '.';
      (process as { mainModule?: unknown }).mainModule = m;
    }
    ModuleX._cache[abs] = m;
    this.programModules.add(m);
    return m;
  }

  /**
   * Rebuilds a program from snapshot text. It is left paused: call resume().
   * `root`: the program's directory on this machine when it is not where it was captured (a
   * migrated directory program): modules under the captured root are placed under this one,
   * so __filename, module.paths and later require() calls find the files here.
   */
  /** `hashChecked`: the caller checked the snapshot's hash (see OpenOptions). */
  restore(text: string, filename?: string, root?: string, hashChecked = false): void {
    const { body, version } = openSnapshot<SnapshotBody>(text, { hashChecked });
    if (!body || !Array.isArray(body.modules) || !Array.isArray(body.heap) || !body.roots) {
      throw new ThingsError(ErrorCodes.SNAPSHOT_CORRUPT, 'the snapshot body lacks modules, heap or roots');
    }
    if (body.kinds !== undefined && (typeof body.kinds !== 'string' || body.kinds.length !== body.heap.length)) {
      throw new ThingsError(ErrorCodes.SNAPSHOT_CORRUPT, 'the snapshot body is damaged (its heap and entry kinds differ)');
    }
    this.name = body.program?.name ?? this.name;
    this.runtime.mainKey = body.program?.main ?? '';
    const relocated = root !== undefined ? path.resolve(root) : undefined;
    if (relocated) this.runtime.options.root = relocated;
    else if (typeof body.program?.root === 'string' && path.isAbsolute(body.program.root)) this.runtime.options.root = body.program.root;
    this.runtime.restoring = true;
    const programRoot = this.runtime.options.root;
    // Each module is compiled against its original `exports` object (the wrapper's `exports`
    // and top-level `this`): the heap record of that object is filled in place.
    const preset = new Map<number, object>();
    const exportsOf = new Map<string, object>();
    for (const r of body.roots.modules ?? []) {
      const v = r.exports;
      if (Array.isArray(v) && v[0] === 'r' && entryKind(body.heap, body.kinds, v[1] as number) === 'O') {
        const obj = {};
        preset.set(v[1] as number, obj);
        exportsOf.set(r.key, obj);
      }
    }
    try {
      const entries = body.modules as ModuleEntry[];
      const byKey = new Map<string, NodeModule>();
      // A key is the path relative to the root; '../…' keys are modules outside it.
      const underRoot = (key: string): boolean => key !== '..' && !key.startsWith('../') && !path.isAbsolute(key);
      const absOf = (key: string, recorded: string | undefined): string =>
        filename && key === body.program.main
          ? path.resolve(filename)
          : relocated && underRoot(key)
            ? path.resolve(relocated, key)
            : recorded && path.isAbsolute(recorded)
              ? recorded
              : path.resolve(programRoot, key);
      // Every module object first (require.main, require.cache), then compile.
      const withCode = new Set(entries.map((m) => m.key));
      const all: { key: string; abs: string; code?: string }[] = entries.map((m) => ({ key: m.key, abs: absOf(m.key, m.filename), code: m.code }));
      for (const r of body.roots.modules ?? []) if (!withCode.has(r.key)) all.push({ key: r.key, abs: absOf(r.key, r.filename) });
      for (const e of all) {
        this.runtime.moduleKeys.set(e.abs, e.key);
        byKey.set(e.key, this.newModule(e.abs, e.key === body.program.main));
      }
      // The module graph: parent/children and the resolutions made before the capture.
      for (const e of entries) {
        const m = byKey.get(e.key)!;
        for (const c of e.children ?? []) {
          const child = byKey.get(c);
          if (!child) continue;
          m.children.push(child);
          if (!child.parent) child.parent = m;
        }
        if (e.parent && byKey.has(e.parent)) m.parent = byKey.get(e.parent)!;
        const table = new Map<string, string>();
        for (const [request, key] of Object.entries(e.requires ?? {})) {
          const target = byKey.get(key);
          if (target) table.set(request, target.filename);
        }
        if (table.size) this.resolved.set(m.filename, table);
      }
      for (const e of all) {
        const m = byKey.get(e.key)!;
        if (e.code === undefined) {
          this.runtime.modules.set(e.key, { module: m, exports: m.exports });
          m.loaded = true;
          continue;
        }
        this.runtime.moduleCode.set(e.key, e.code);
        const exportsObject = exportsOf.get(e.key);
        if (exportsObject) m.exports = exportsObject;
        m._compile(e.code, e.abs);
        m.loaded = true;
      }
      this.runtime.restore(body, preset, version);
    } catch (err) {
      if (err instanceof ThingsError) throw err;
      const e = err as { code?: string; message?: string };
      throw new ThingsError(e.code && e.code.startsWith('E_') ? e.code : ErrorCodes.RESTORE_FAILED, `restore failed: ${e.message ?? String(err)}`);
    }
  }

  /** Does ahead, before the program runs, the one-time work of a first capture and restore
   *  in this process (Runtime.warmUp, then a capture of the empty program and the snapshot
   *  envelope's check, so that their code is compiled). Optional: a capture or restore does
   *  it itself otherwise. Costs ~10-15 ms and ~3 MB (Node's web streams and other lazily
   *  loaded globals). */
  /** Resolves when none of the program's callback calls of fs, zlib, crypto or dns is under way
   *  (their callbacks have run, here); rejects with E_NOT_CAPTURABLE after `maxMs`. Call it
   *  with the program paused before a capture: what those callbacks call in turn waits in
   *  the queue that the snapshot carries (runtime/intrinsics/callback-calls.ts). */
  settle(maxMs = 5000): Promise<void> {
    return this.runtime.calls.whenIdle(maxMs);
  }

  warmUp(): void {
    this.runtime.warmUp();
    JSON.parse(this.captureBody().bodyText);
  }

  /** A capture, sealed (its hash taken: see captureBody for a host that leaves it to its
   *  agent). */
  capture(): CaptureOutput {
    const t0 = monotonicMs();
    const { bodyText, objects, timers } = this.captureBody();
    const snapshot = sealBodyText(bodyText);
    return { snapshot, objects, timers, bytes: snapshot.length, captureMs: monotonicMs() - t0 };
  }

  /** A capture as the body's JSON text: sealBodyText() makes it a snapshot. */
  captureBody(): { bodyText: string; objects: number; timers: number; captureMs: number } {
    const t0 = monotonicMs();
    const { body, objects, timers } = this.runtime.capture();
    this.describeGraph(body);
    const bodyText = JSON.stringify(body);
    return { bodyText, objects, timers, captureMs: monotonicMs() - t0 };
  }

  /** Adds each module's parent, children and require() resolutions to the snapshot body. */
  private describeGraph(body: SnapshotBody): void {
    const keyOf = new Map<unknown, string>();
    const keyOfFile = new Map<string, string>();
    for (const [key, m] of this.runtime.modules) {
      keyOf.set(m.module, key);
      keyOfFile.set(m.module.filename, key);
    }
    for (const e of body.modules as ModuleEntry[]) {
      const m = this.runtime.modules.get(e.key)?.module as NodeModule | undefined;
      if (!m) continue;
      e.parent = (m.parent && keyOf.get(m.parent)) ?? null;
      e.children = (m.children ?? []).map((c) => keyOf.get(c)).filter((k): k is string => k !== undefined);
      const requires: Record<string, string> = {};
      for (const [request, file] of this.resolved.get(m.filename) ?? []) {
        const key = keyOfFile.get(file);
        if (key !== undefined) requires[request] = key;
      }
      if (Object.keys(requires).length) e.requires = requires;
    }
  }
}
