/**
 * ProgramHost: runs one program in this process — instrumented, under the runtime — and
 * captures or restores it. Used by the agent's child processes (child.ts) and by the local
 * `thingsctl run`.
 */
import Module from 'node:module';
import path from 'node:path';
import { instrument } from '../compiler';
import { Runtime, type SnapshotBody } from '../runtime';
import { openSnapshot, sealSnapshot } from '../snapshot/envelope';
import { ErrorCodes, ThingsError } from '../shared/errors';

interface ModuleInternals {
  _compile(code: string, filename: string): unknown;
  _nodeModulePaths(dir: string): string[];
  isBuiltin?(name: string): boolean;
  builtinModules: string[];
  prototype: { require(id: string): unknown };
}
const ModuleX = Module as unknown as ModuleInternals & (new (id: string, parent?: unknown) => Module & ModuleInternals & { filename: string; paths: string[]; loaded: boolean });

export interface CaptureOutput {
  snapshot: string;
  objects: number;
  timers: number;
  bytes: number;
  captureMs: number;
}

export class ProgramHost {
  runtime!: Runtime;
  name = '';

  /** Call once per process, before start() or restore(). */
  install(root: string, name: string): void {
    this.name = name;
    this.runtime = new Runtime({ root, name, requireBuiltin: (n) => require(n) });
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
  }

  /** Instruments and runs a program's source as its main module. */
  start(filename: string, source: string): void {
    const abs = path.resolve(filename);
    const { code } = instrument(source, { filename });
    this.runtime.mainKey = this.runtime.moduleKey(abs);
    this.load(abs, code);
  }

  /** Rebuilds a program from snapshot text. It is left paused: call resume(). */
  restore(text: string, filename?: string): void {
    const { body } = openSnapshot<SnapshotBody>(text);
    if (!body || !Array.isArray(body.modules) || !Array.isArray(body.heap) || !body.roots) {
      throw new ThingsError(ErrorCodes.SNAPSHOT_CORRUPT, 'the snapshot body lacks modules, heap or roots');
    }
    this.name = body.program?.name ?? this.name;
    this.runtime.mainKey = body.program?.main ?? '';
    this.runtime.restoring = true;
    const root = this.runtime.options.root;
    // Each module is compiled against its original `exports` object (the wrapper's `exports`
    // and top-level `this`): the heap record of that object is filled in place.
    const preset = new Map<number, object>();
    const exportsOf = new Map<string, object>();
    for (const r of body.roots.modules ?? []) {
      const v = r.exports;
      if (Array.isArray(v) && v[0] === 'r' && (body.heap[v[1] as number] as { k?: string } | undefined)?.k === 'O') {
        const obj = {};
        preset.set(v[1] as number, obj);
        exportsOf.set(r.key, obj);
      }
    }
    try {
      for (const m of body.modules) {
        const abs = filename && m.key === body.program.main ? path.resolve(filename) : m.filename && path.isAbsolute(m.filename) ? m.filename : path.resolve(root, m.key);
        this.runtime.moduleKeys.set(abs, m.key);
        this.load(abs, m.code, exportsOf.get(m.key));
      }
      this.runtime.restore(body, preset);
    } catch (err) {
      if (err instanceof ThingsError) throw err;
      const e = err as { code?: string; message?: string };
      throw new ThingsError(e.code && e.code.startsWith('E_') ? e.code : ErrorCodes.RESTORE_FAILED, `restore failed: ${e.message ?? String(err)}`);
    }
  }

  capture(): CaptureOutput {
    const t0 = performance.now();
    const { body, objects, timers } = this.runtime.capture();
    const snapshot = sealSnapshot(body);
    return { snapshot, objects, timers, bytes: snapshot.length, captureMs: performance.now() - t0 };
  }

  private load(abs: string, code: string, exportsObject?: object): void {
    const key = this.runtime.moduleKey(abs);
    this.runtime.moduleCode.set(key, code);
    const m = new ModuleX(abs, null);
    if (exportsObject) (m as unknown as { exports: object }).exports = exportsObject;
    m.filename = abs;
    m.paths = ModuleX._nodeModulePaths(path.dirname(abs));
    if (key === this.runtime.mainKey) (process as { mainModule?: unknown }).mainModule = m;
    m._compile(code, abs);
    m.loaded = true;
  }
}
