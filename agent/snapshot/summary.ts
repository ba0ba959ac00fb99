/**
 * What a snapshot holds, for people: `thingsctl snapshot show`. Reads the body only (no
 * runtime, nothing is rebuilt), so it works on any machine and on snapshots of programs
 * that cannot run here.
 */
import { openSnapshot } from './envelope';

type V = unknown;
interface Rec {
  k: string;
  [field: string]: unknown;
}
/** The parts of a snapshot body this reads (agent/runtime SnapshotBody, loosely). */
export interface BodyLike {
  program?: { name?: string; main?: string; root?: string };
  modules?: { key: string; code: string; filename?: string }[];
  heap?: Rec[];
  kinds?: string;
  roots?: {
    timers?: V[];
    globals?: [string, V][];
    hooks?: V[];
    process?: [string, V, number][];
    modules?: { key: string; exports: V; moduleExports: V }[];
  };
  clock?: { capturedAt?: number };
  node?: string;
  arch?: string;
}

/** Readable names of the record kinds (docs/snapshot-format.md). */
export const KIND_NAMES: Record<string, string> = {
  N: 'built-in reference',
  O: 'object',
  RO: 'runtime object (generator, iterator)',
  A: 'array',
  F: 'function',
  B: 'bound function',
  Y: 'symbol',
  D: 'Date',
  R: 'RegExp',
  M: 'Map',
  S: 'Set',
  WM: 'WeakMap',
  WS: 'WeakSet',
  WR: 'WeakRef',
  E: 'Error',
  X: 'boxed primitive',
  G: 'arguments',
  AB: 'ArrayBuffer',
  TA: 'typed array / DataView',
  CP: 'class prototype',
  I: 'class instance',
  URL: 'URL',
  USP: 'URLSearchParams',
  T: 'timer',
};

/**
 * Record kinds of suspended activations (generators in flight, async functions at an
 * await) and what to call them. Empty until those kinds exist; the summary lists every
 * record of a kind named here.
 */
export const SUSPENDED_KINDS: Record<string, string> = {};

export interface TimerSummary {
  kind: 'setTimeout' | 'setInterval' | 'setImmediate' | string;
  callback: string;
  remainingMs: number;
  delayMs: number;
  ref: boolean;
  args: number;
}
export interface ObjectSummary {
  id: number;
  kind: string;
  bytes: number;
  path: string;
}
export interface SnapshotSummary {
  file?: string;
  bytes: number;
  version: number;
  hash: string;
  program: { name: string; main: string; root?: string };
  modules: { key: string; bytes: number }[];
  capturedAt: string | null;
  node: string;
  arch: string;
  records: number;
  kinds: { kind: string; name: string; count: number }[];
  timers: TimerSummary[];
  globals: string[];
  hooks: number;
  suspended: { id: number; kind: string; name: string; path: string }[];
  largest: ObjectSummary[];
}

function refId(v: unknown): number | undefined {
  return Array.isArray(v) && v[0] === 'r' && typeof v[1] === 'number' ? v[1] : undefined;
}

function keyLabel(key: unknown, heap: Rec[]): string {
  if (typeof key === 'string') return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : /^\d+$/.test(key) ? `[${key}]` : `[${JSON.stringify(key)}]`;
  if (Array.isArray(key)) {
    if (key[0] === 'sf') return `[Symbol.for(${JSON.stringify(key[1])})]`;
    if (key[0] === 'sw') return `[Symbol.${String(key[1])}]`;
    const id = refId(key);
    if (id !== undefined) return `[Symbol(${String(heap[id]?.d ?? '')})]`;
  }
  return '[?]';
}

/** The references a record holds, each with the label of the edge. */
export function edgesOf(rec: Rec, heap: Rec[]): [string, number][] {
  const out: [string, number][] = [];
  const add = (label: string, v: unknown): void => {
    const id = refId(v);
    if (id !== undefined) out.push([label, id]);
  };
  for (const [field, val] of Object.entries(rec)) {
    switch (field) {
      case 'k':
      case 'x':
      case 'path':
        break;
      case 'p':
        add('.[[Prototype]]', val);
        break;
      case 'o':
        for (const p of val as unknown[][]) {
          const label = keyLabel(p[0], heap);
          add(label, p[0]);
          const v = p[1];
          if (Array.isArray(v) && v[0] === 'acc') {
            add(`${label}[get]`, v[1]);
            add(`${label}[set]`, v[2]);
          } else add(label, v);
        }
        break;
      case 'j':
        break; // plain JSON values only
      case 'q':
        // an ordinary object's properties (a JSON object) or a dense array's elements
        if (Array.isArray(val)) (val as unknown[]).forEach((e, i) => add(`[${i}]`, e));
        else if (val && typeof val === 'object') for (const [key, e] of Object.entries(val)) add(keyLabel(key, heap), e);
        break;
      case 'v':
        if (!Array.isArray(val)) break;
        (val as unknown[]).forEach((e, i) => {
          if (rec.k === 'M' || rec.k === 'WM') {
            add(`.<key ${i}>`, (e as unknown[])[0]);
            add(`.<value ${i}>`, (e as unknown[])[1]);
          } else if (rec.k === 'S' || rec.k === 'WS') add(`.<entry ${i}>`, e);
          else add(`[${i}]`, e);
        });
        break;
      case 's':
        for (const [i, e] of val as [number, unknown][]) add(`[${i}]`, e);
        break;
      case 'e':
        (val as unknown[]).forEach((e) => add(' › (closure scope)', e));
        break;
      case 'f':
        if (rec.k === 'RO' && Array.isArray(val) && !refId(val)) {
          // a runtime object's fields: a generator's step closure and frame, an iterator's list
          (val as unknown[]).forEach((e, i) => add(`.[[${i === 0 ? 'step' : i === 1 ? 'frame' : `field ${i}`}]]`, e));
          break;
        }
        add(rec.k === 'T' ? '.callback' : rec.k === 'B' ? '.[[target]]' : `.${field}`, val);
        break;
      case 't':
        add(rec.k === 'B' ? '.[[this]]' : rec.k === 'WR' ? '.[[target]]' : `.${field}`, val);
        break;
      case 'a':
        if (Array.isArray(val)) (val as unknown[]).forEach((e, i) => add(rec.k === 'T' ? `.<arg ${i}>` : `.<bound arg ${i}>`, e));
        break;
      case 'b':
        add('.buffer', val);
        break;
      default:
        if (Array.isArray(val)) {
          const direct = refId(val);
          if (direct !== undefined) out.push([`.[[${field}]]`, direct]);
          else (val as unknown[]).forEach((e, i) => add(`.[[${field} ${i}]]`, e));
        }
    }
  }
  return out;
}

/** Name of each code unit of a module, guessed from its instrumented source. */
function unitNames(code: string): string[] {
  const list = /\$tjs_rt\.module\(module,\s*\[([^\]]*)\]/.exec(code);
  if (!list) return [];
  const factories = list[1].split(',').map((s) => s.trim());
  return factories.map((f) => {
    const start = code.indexOf(`function ${f}(`);
    if (start < 0) return '';
    const next = code.indexOf('\nfunction $tjs_f', start + 1);
    const body = code.slice(start, next < 0 ? Math.min(code.length, start + 2000) : next);
    const tagged = /new \$tjs_K[FC]?\(([\w$]+)/.exec(body);
    if (tagged && !tagged[1].startsWith('$tjs_')) return tagged[1];
    const named = /(?:function\*?|class)\s+([A-Za-z_$][\w$]*)/.exec(body.slice(body.indexOf('{') + 1));
    if (named && !named[1].startsWith('$tjs_')) return named[1];
    const method = /\(\{\s*(?:async\s+)?(?:\*\s*)?(?:get\s+|set\s+)?([A-Za-z_$][\w$]*)\s*\(/.exec(body);
    if (method) return method[1];
    return '';
  });
}

/** The heap as records: a bare entry (format 2: an ordinary object or dense array as it is,
 *  `kinds` says which) becomes the record of its kind. */
function normalizeHeap(body: BodyLike): Rec[] {
  const heap = Array.isArray(body.heap) ? body.heap : [];
  const kinds = typeof body.kinds === 'string' ? body.kinds : undefined;
  if (kinds === undefined) return heap;
  return heap.map((e, i) => {
    const c = kinds[i];
    if (c === '.' || c === undefined) return e;
    const k = c === 'o' || c === 'O' ? 'O' : c === 'a' || c === 'A' ? 'A' : '?';
    return (c === 'O' || c === 'A' ? { k, j: e } : { k, q: e }) as Rec;
  });
}

export function summarize(text: string, opts: { file?: string; top?: number } = {}): SnapshotSummary {
  const opened = openSnapshot<BodyLike>(text);
  const body = opened.body ?? {};
  const heap = normalizeHeap(body);
  const roots = body.roots ?? {};
  const names = new Map<string, string[]>();
  for (const m of body.modules ?? []) names.set(m.key, unitNames(m.code ?? ''));

  // Shortest readable path from the roots to every record (breadth first).
  const path: (string | undefined)[] = new Array(heap.length);
  const queue: number[] = [];
  const reach = (label: string, v: unknown): void => {
    const id = refId(v);
    if (id === undefined || id >= heap.length || path[id] !== undefined) return;
    path[id] = label;
    queue.push(id);
  };
  const timerLabel = (i: number): string => {
    const id = refId(roots.timers?.[i]);
    const t = id !== undefined ? heap[id] : undefined;
    return `timer ${i + 1} (${t ? timerKind(t) : 'timer'})`;
  };
  (roots.timers ?? []).forEach((v, i) => reach(timerLabel(i), v));
  for (const [name, v] of roots.globals ?? []) reach(name, v);
  (roots.hooks ?? []).forEach((v, i) => reach(`onRestore hook ${i + 1}`, v));
  for (const [ev, v] of roots.process ?? []) reach(`process.on('${ev}')`, v);
  for (const m of roots.modules ?? []) {
    reach(`${m.key} module.exports`, m.moduleExports);
    reach(`${m.key} exports`, m.exports);
  }
  while (queue.length) {
    const id = queue.shift()!;
    const rec = heap[id];
    if (!rec || rec.k === 'N') continue;
    for (const [label, to] of edgesOf(rec, heap)) {
      const l = label === ' › (closure scope)' ? ` › ${fnName(rec)}() scope › ` : label;
      reach(`${path[id]}${l}`, ['r', to]);
    }
  }
  for (let i = 0; i < path.length; i++) if (path[i]) path[i] = path[i]!.replace(/ \u203A \./g, ' › ').replace(/ \u203A $/, '');

  function fnName(rec: Rec): string {
    if (rec.k === 'B') {
      const t = refId(rec.f);
      return `bound ${t !== undefined && heap[t] ? fnName(heap[t]) : '?'}`;
    }
    if (rec.k !== 'F') return '?';
    if (Array.isArray(rec.c)) {
      const [key, index] = rec.c as [string, number];
      const n = names.get(key)?.[index];
      return n || '(anonymous)';
    }
    if (typeof rec.m === 'number') return `(class member ${rec.m})`;
    return '(anonymous)';
  }
  function timerKind(t: Rec): string {
    return t.t === 'interval' ? 'setInterval' : t.t === 'immediate' ? 'setImmediate' : 'setTimeout';
  }

  const counts = new Map<string, number>();
  for (const r of heap) counts.set(r?.k, (counts.get(r?.k) ?? 0) + 1);
  const kinds = [...counts].map(([kind, count]) => ({ kind, name: KIND_NAMES[kind] ?? SUSPENDED_KINDS[kind] ?? kind, count })).sort((a, b) => b.count - a.count || a.kind.localeCompare(b.kind));

  const timers: TimerSummary[] = [];
  for (const v of roots.timers ?? []) {
    const id = refId(v);
    const t = id !== undefined ? heap[id] : undefined;
    if (!t || t.k !== 'T') continue;
    const cb = refId(t.f);
    timers.push({
      kind: timerKind(t),
      callback: cb !== undefined && heap[cb] ? fnName(heap[cb]) : '?',
      remainingMs: Math.round(Number(t.r ?? 0) * 10) / 10,
      delayMs: Number(t.d ?? 0),
      ref: t.ref !== 0,
      args: Array.isArray(t.a) ? t.a.length : 0,
    });
  }

  const isSuspendedGenerator = (r: { k: string; c?: unknown }): boolean => r.k === 'RO' && r.c === 'Generator';
  const suspended = heap.flatMap((r, id) =>
    r && (SUSPENDED_KINDS[r.k] !== undefined || isSuspendedGenerator(r as { k: string; c?: unknown }))
      ? [{ id, kind: r.k, name: SUSPENDED_KINDS[r.k] ?? 'generator', path: path[id] ?? '(unreachable)' }]
      : [],
  );

  const sizes = heap.map((r, id) => ({ id, kind: r?.k, bytes: JSON.stringify(body.heap?.[id] ?? null).length }));
  const largest = sizes
    .filter((s) => s.kind !== 'N')
    .sort((a, b) => b.bytes - a.bytes || a.id - b.id)
    .slice(0, opts.top ?? 10)
    .map((s) => ({ id: s.id, kind: KIND_NAMES[s.kind] ?? s.kind, bytes: s.bytes, path: path[s.id] ?? '(unreachable)' }));

  const capturedAt = typeof body.clock?.capturedAt === 'number' ? new Date(body.clock.capturedAt).toISOString() : null;
  return {
    file: opts.file,
    bytes: Buffer.byteLength(text),
    version: opened.version,
    hash: opened.hash,
    program: { name: body.program?.name ?? '?', main: body.program?.main ?? '?', root: body.program?.root },
    modules: (body.modules ?? []).map((m) => ({ key: m.key, bytes: Buffer.byteLength(m.code ?? '') })),
    capturedAt,
    node: body.node ?? '?',
    arch: body.arch ?? '?',
    records: heap.length,
    kinds,
    timers,
    globals: (roots.globals ?? []).map(([n]) => n),
    hooks: (roots.hooks ?? []).length,
    suspended,
    largest,
  };
}

function num(n: number): string {
  return n.toLocaleString('en-US');
}
function ms(n: number): string {
  return n >= 10_000 ? `${(n / 1000).toFixed(1)} s` : `${num(Math.round(n))} ms`;
}

export function formatSummary(s: SnapshotSummary): string {
  const out: string[] = [];
  const row = (label: string, text: string): void => {
    out.push(`${label.padEnd(10)}${text}`);
  };
  row('snapshot', `${s.file ?? ''}${s.file ? '  ' : ''}(${num(s.bytes)} bytes, format ${s.version}, ${s.hash.slice(0, 19)}…)`);
  row('program', `${s.program.name} (main ${s.program.main})`);
  row('captured', `${s.capturedAt ?? 'unknown time'} on Node.js ${s.node} ${s.arch}`);
  row('modules', `${s.modules.length}`);
  for (const m of s.modules) out.push(`  ${m.key}  ${num(m.bytes)} bytes`);
  row('heap', `${num(s.records)} records`);
  const w = Math.max(0, ...s.kinds.map((k) => k.name.length));
  for (const k of s.kinds) out.push(`  ${k.name.padEnd(w)}  ${num(k.count).padStart(7)}`);
  if (s.globals.length) row('globals', s.globals.join(', '));
  if (s.hooks) row('hooks', `${s.hooks} onRestore hook${s.hooks === 1 ? '' : 's'}`);
  row('timers', s.timers.length ? `${s.timers.length} pending` : 'none pending');
  for (const t of s.timers) {
    const when = t.kind === 'setImmediate' ? 'next turn' : `due in ${ms(t.remainingMs)}`;
    const every = t.kind === 'setInterval' ? `, every ${ms(t.delayMs)}` : t.kind === 'setTimeout' ? ` (of ${ms(t.delayMs)})` : '';
    out.push(`  ${t.kind.padEnd(12)}  ${t.callback}  ${when}${every}${t.args ? `, ${t.args} arg${t.args === 1 ? '' : 's'}` : ''}${t.ref ? '' : ', unref'}`);
  }
  row('suspended', s.suspended.length ? `${s.suspended.length} function${s.suspended.length === 1 ? '' : 's'}` : 'none');
  for (const f of s.suspended) out.push(`  ${f.name}  ${f.path}`);
  out.push('largest objects');
  for (const o of s.largest) out.push(`  ${num(o.bytes).padStart(9)} B  ${o.kind.padEnd(16)}  ${o.path}`);
  return out.join('\n');
}
