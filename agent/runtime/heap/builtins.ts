/**
 * Built-ins are never copied into a snapshot: they are named by a path from a root
 * (a global, or a Node core module) and looked up again on restore, which is what makes a
 * snapshot portable across Node versions and machines.
 *
 * The table is taken when the runtime is installed, before any program code runs, so that
 * nothing the program adds is mistaken for a built-in. Core modules are added when the
 * program first requires them.
 *
 * A path is a list of segments: the first is a global name or `node:<module>`; the others
 * are property keys, `@@name` for a well-known symbol key, and `[get]` / `[set]` for the
 * accessor functions of the previous key.
 */

export type BuiltinPath = string[];

const MAX_DEPTH = 4;

const wellKnownSymbols = new Map<symbol, string>();
const wellKnownByName = new Map<string, symbol>();
for (const name of Object.getOwnPropertyNames(Symbol)) {
  const v = (Symbol as unknown as Record<string, unknown>)[name];
  if (typeof v === 'symbol') {
    wellKnownSymbols.set(v, name);
    wellKnownByName.set(name, v);
  }
}

export function wellKnownSymbolName(s: symbol): string | undefined {
  return wellKnownSymbols.get(s);
}
export function wellKnownSymbol(name: string): symbol | undefined {
  return wellKnownByName.get(name);
}

const proto = (o: unknown): unknown => Object.getPrototypeOf(o);
/* eslint-disable @typescript-eslint/no-empty-function */
const INTRINSICS: Record<string, unknown> = {
  '%GeneratorFunction%': (proto(function* () {}) as { constructor: unknown }).constructor,
  '%AsyncFunction%': (proto(async function () {}) as { constructor: unknown }).constructor,
  '%AsyncGeneratorFunction%': (proto(async function* () {}) as { constructor: unknown }).constructor,
  '%IteratorPrototype%': proto(proto([][Symbol.iterator]())),
  '%AsyncIteratorPrototype%': proto(proto(proto((async function* () {})()))),
  '%ArrayIteratorPrototype%': proto([][Symbol.iterator]()),
  '%MapIteratorPrototype%': proto(new Map()[Symbol.iterator]()),
  '%SetIteratorPrototype%': proto(new Set()[Symbol.iterator]()),
  '%StringIteratorPrototype%': proto(''[Symbol.iterator]()),
  '%RegExpStringIteratorPrototype%': proto(/a/[Symbol.matchAll]('')),
  '%TypedArray%': proto(Int8Array),
};
/* eslint-enable @typescript-eslint/no-empty-function */

const STATE_KEYS = new Set(['_events', '_eventsCount', '_maxListeners', 'mainModule', '_cache', '_pathCache', 'children', 'parent', 'exports']);

/** Globals defined as getters that are walked with the table all the same (see the constructor). */
const EAGER_ACCESSORS = new Set(['process', 'Buffer']);

/** Globals that belong to the runtime or the host, never to the program's state. */
const SKIP_GLOBALS = new Set(['$tjs_runtime', 'global', 'globalThis']);

/** Globals that `node -e` and the REPL define for their own code (a program's module has
 *  these as bindings of its own), and that Node sets again itself: never the program's. */
const EVAL_MODULE_GLOBALS = new Set(['module', 'require', 'exports', '__filename', '__dirname']);

/** Globals whose getter loads Node's fetch implementation (undici): deferred while it is not
 *  loaded. Another getter of the same kind turns into a data property when first read, so a
 *  program that used one of these finds it walked like any other global. */
const UNDICI_GLOBALS = new Set(['FormData', 'Headers', 'Request', 'Response', 'WebSocket', 'EventSource', 'CloseEvent']);
const UNDICI_MODULE = 'NativeModule internal/deps/undici/undici';
const moduleLoadList = (process as unknown as { moduleLoadList?: string[] }).moduleLoadList;
function moduleLoadCount(): number {
  return Array.isArray(moduleLoadList) ? moduleLoadList.length : -2;
}
function deferredGlobal(name: string): boolean {
  if (!UNDICI_GLOBALS.has(name) || !Array.isArray(moduleLoadList)) return false;
  const d = Object.getOwnPropertyDescriptor(globalThis, name);
  return !!d && !('value' in d) && !moduleLoadList.includes(UNDICI_MODULE);
}

export class BuiltinTable {
  private readonly paths = new Map<unknown, BuiltinPath>();
  private readonly depths = new Map<unknown, number>();
  /** Names of globals that existed before the program ran. */
  readonly globalNames: Set<string>;
  /** Their descriptors then (a lazy global's with its wrapped getter): what a capture compares
   *  the globals with, to find those the program replaced or deleted. */
  private readonly globalBaseline = new Map<string, PropertyDescriptor>();

  constructor(private readonly requireBuiltin: (name: string) => unknown) {
    this.globalNames = new Set(Object.getOwnPropertyNames(globalThis));
    this.paths.set(globalThis, ['globalThis']);
    this.depths.set(globalThis, -1);
    for (const name of [...this.globalNames].sort()) {
      if (SKIP_GLOBALS.has(name)) continue;
      const d = Object.getOwnPropertyDescriptor(globalThis, name);
      if (!d) continue;
      // Node defines many globals (Buffer, process, TextEncoder...) as lazy getters: they are
      // walked only when a capture meets an object it does not know (see pathOf). Not
      // `process` and `Buffer`: always loaded (their getters load nothing), and places where
      // programs hang state (process.cache = ...), which a walk after the program has run
      // would take for built-ins.
      let desc = d;
      if (d.get && !('value' in d)) {
        if (EAGER_ACCESSORS.has(name)) {
          let v: unknown;
          try {
            v = (globalThis as Record<string, unknown>)[name];
          } catch {
            v = undefined;
          }
          this.visit(v, null, name, undefined, 0, false);
        } else desc = this.walkOnFirstRead(name, d);
      }
      this.visitDescriptor(desc, null, name, 0);
    }
    for (const name of this.globalNames) {
      const d = Object.getOwnPropertyDescriptor(globalThis, name);
      if (d) this.globalBaseline.set(name, d);
    }
    // Intrinsics no global names (the constructors of generator and async functions, the
    // iterator prototypes): named as the specification does, %Name%.
    for (const [name, value] of Object.entries(INTRINSICS)) this.visit(value, null, name, undefined, 0, false);
  }

  /**
   * A global that Node defines as a lazy getter (ReadableStream, performance, crypto, fetch...:
   * its module loads when the global is first read) is walked when it is first read, by
   * anyone: its getter is wrapped. Then it is walked as Node made it, before the program can
   * hang anything on it, and a host whose program never reads it does not load it (the web
   * streams, performance and webcrypto globals are ~2.5 MB of a process). Nothing of such a
   * global can be in a program's state before it is read (a core module required is walked
   * when it is required). Node's getter turns the global into a data property when it runs;
   * the wrapper also walks only once. Where the getter cannot be wrapped (not configurable),
   * the global is walked when a capture first meets an object it does not know (pathOf).
   * Returns the global's descriptor as it now is.
   */
  private walkOnFirstRead(name: string, d: PropertyDescriptor): PropertyDescriptor {
    const get = d.get as () => unknown;
    if (!d.configurable || process.env.THINGSJS_LAZY_GLOBALS === 'eager') {
      this.lazyGlobals.push(name);
      return d;
    }
    const table = this;
    let walked = false;
    const wrapper = {
      get(this: unknown): unknown {
        const v = Reflect.apply(get, this, []);
        if (!walked) {
          walked = true;
          table.visit(v, null, name, undefined, 0, false);
        }
        return v;
      },
    }.get;
    Object.defineProperty(wrapper, 'name', { value: get.name, configurable: true });
    Object.defineProperty(globalThis, name, { get: wrapper, set: d.set, enumerable: d.enumerable, configurable: true });
    // The wrapper is named by its path but not walked: what hangs off it (Function.prototype…)
    // would be named through a getter that the first read removes.
    this.paths.set(wrapper, [name, '[get]']);
    this.depths.set(wrapper, 0);
    return { set: d.set, enumerable: d.enumerable, configurable: true };
  }

  /** Adds a core module (and what hangs off it) under `node:<name>`. */
  addModule(name: string, exportsObject: unknown): void {
    const key = `node:${name.replace(/^node:/, '')}`;
    if (this.paths.has(exportsObject)) {
      // Already known under another name (e.g. `timers` functions are globals): keep the
      // first path but still walk the module's own members.
    }
    this.visit(exportsObject, null, key, undefined, 0, true);
  }

  /**
   * How the program changed a global that existed before it ran: 'deleted', or 'replaced'
   * (now a data property whose value is not the one it had; a lazy global that Node made a
   * data property when it was first read, holding its own value, is unchanged). Undefined:
   * unchanged (a global the program made an accessor of is not followed).
   */
  globalChange(name: string): 'deleted' | 'replaced' | undefined {
    if (EVAL_MODULE_GLOBALS.has(name)) return undefined;
    const before = this.globalBaseline.get(name);
    if (before === undefined) return undefined;
    const now = Object.getOwnPropertyDescriptor(globalThis, name);
    if (now === undefined) return 'deleted';
    if (!('value' in now)) return undefined;
    if ('value' in before) return Object.is(now.value, before.value) ? undefined : 'replaced';
    const p = this.pathOf(now.value);
    return p !== undefined && p.length === 1 && p[0] === name ? undefined : 'replaced';
  }

  pathOf(value: unknown): BuiltinPath | undefined {
    const p = this.paths.get(value);
    if (p !== undefined || this.lazyChecked === Infinity) return p;
    // Lazy globals left: walked once; the deferred ones again only once Node has loaded
    // more of its modules since (one array length read per miss).
    if (this.lazyChecked >= 0 && moduleLoadCount() === this.lazyChecked) return undefined;
    this.walkLazyGlobals();
    return this.paths.get(value);
  }
  /** -1: lazy globals not walked yet; Infinity: all walked; else the length of Node's module
   *  load list when the deferred ones were last looked at. */
  private lazyChecked = -1;

  /** Walks the globals that Node defines as getters (loading them if they are lazy). The
   *  globals of a module nothing has loaded yet (Node's fetch, ~100 ms to load) are left
   *  for later: nothing of them can be in the program's state until the module is loaded.
   *  The first capture does it (see pathOf), unless a host did it ahead (Runtime.warmUp). */
  walkLazyGlobals(): void {
    const names = this.lazyGlobals.splice(0);
    for (const name of names) {
      if (deferredGlobal(name)) {
        this.lazyGlobals.push(name);
        continue;
      }
      let v: unknown;
      try {
        v = (globalThis as Record<string, unknown>)[name];
      } catch {
        continue;
      }
      this.visit(v, null, name, undefined, 0, false);
    }
    this.lazyChecked = this.lazyGlobals.length ? moduleLoadCount() : Infinity;
  }
  private readonly lazyGlobals: string[] = [];

  has(value: unknown): boolean {
    return this.paths.has(value);
  }

  /** Every built-in value in the table (weak-collection keys that are always reachable). */
  values(): IterableIterator<unknown> {
    return this.paths.keys();
  }

  /** Registers a runtime-provided object (for example the virtual setTimeout) by path. */
  register(value: unknown, path: BuiltinPath): void {
    if (!this.paths.has(value)) this.paths.set(value, path);
    this.depths.set(value, -1); // pinned: never renamed by the walk
  }

  resolve(path: BuiltinPath): unknown {
    let cur: unknown;
    const [root, ...rest] = path;
    if (root === 'globalThis') cur = globalThis;
    else if (root.startsWith('%')) cur = INTRINSICS[root];
    else if (root.startsWith('node:')) cur = this.requireBuiltin(root.slice(5));
    else cur = (globalThis as Record<string, unknown>)[root];
    let holder: unknown = undefined;
    let key: string | symbol | undefined;
    for (const seg of rest) {
      if (cur === null || cur === undefined) {
        if (seg !== '[get]' && seg !== '[set]') return undefined;
      }
      if (seg === '[[Prototype]]') {
        cur = Object.getPrototypeOf(cur as object);
        holder = undefined;
        continue;
      }
      if (seg === '[get]' || seg === '[set]') {
        const d = holder !== undefined && key !== undefined ? Object.getOwnPropertyDescriptor(holder as object, key) : undefined;
        cur = d ? (seg === '[get]' ? d.get : d.set) : undefined;
        holder = undefined;
        continue;
      }
      key = seg.startsWith('@@') ? (wellKnownByName.get(seg.slice(2)) ?? seg) : seg;
      holder = cur;
      const d = Object.getOwnPropertyDescriptor(cur as object, key);
      cur = d && 'value' in d ? d.value : undefined;
    }
    return cur;
  }

  /** Visits what a property holds: its value, or its getter and setter. Paths are made
   *  only for what is recorded or walked (`parent` + `seg`, then `[get]`/`[set]`). */
  private visitDescriptor(d: PropertyDescriptor, parent: BuiltinPath | null, seg: string, depth: number): void {
    if ('value' in d) this.visit(d.value, parent, seg, undefined, depth, false);
    else {
      if (d.get) this.visit(d.get, parent, seg, '[get]', depth, false);
      if (d.set) this.visit(d.set, parent, seg, '[set]', depth, false);
    }
  }

  private visit(value: unknown, parent: BuiltinPath | null, seg: string, seg2: string | undefined, depth: number, force: boolean): void {
    if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return;
    // The walk is depth-first with a depth limit: an object first met deep down (say
    // Object.prototype under some global's prototype chain) is walked again when met closer
    // to a root, so that what hangs off it is reached, under the shorter path.
    const seen = this.depths.get(value);
    if (seen !== undefined && seen <= depth && !force) return;
    const path: BuiltinPath = parent === null ? (seg2 === undefined ? [seg] : [seg, seg2]) : seg2 === undefined ? [...parent, seg] : [...parent, seg, seg2];
    if (seen === undefined || depth < seen) {
      this.paths.set(value, path);
      this.depths.set(value, depth);
    }
    if (depth >= MAX_DEPTH) return;
    let keys: (string | symbol)[];
    try {
      keys = Reflect.ownKeys(value as object);
    } catch {
      return;
    }
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      // Places where built-ins hold the program's own state (listeners, loaded modules):
      // never part of the table, or program objects would be named as built-ins.
      let name: string;
      if (typeof key === 'symbol') {
        const n = wellKnownSymbols.get(key);
        if (!n) continue;
        name = `@@${n}`;
      } else {
        if (STATE_KEYS.has(key)) continue;
        name = key;
      }
      let d: PropertyDescriptor | undefined;
      try {
        d = Object.getOwnPropertyDescriptor(value as object, key);
      } catch {
        continue;
      }
      // (A primitive value has nothing to record.)
      if (d !== undefined && (typeof d.value === 'object' || typeof d.value === 'function' || d.get !== undefined || d.set !== undefined)) this.visitDescriptor(d, path, name, depth + 1);
    }
    // The prototype of a built-in is a built-in too (e.g. Object.getPrototypeOf(Int8Array)).
    try {
      const proto = Object.getPrototypeOf(value as object);
      if (proto && !this.paths.has(proto)) this.visit(proto, path, '[[Prototype]]', undefined, depth + 1, false);
    } catch {
      /* exotic objects */
    }
  }
}
