/**
 * The ES-module pass: turns an ES module (parsed with the module goal) into an equivalent
 * CommonJS-shaped program, before scope analysis. The instrumenter then treats it like any
 * other CommonJS module, so module state — live bindings included — migrates through
 * ordinary closures and environment records.
 *
 * Before:                                    After:
 *   import def, { a as b } from './dep.mjs';   'use strict';
 *   import * as ns from './ns.mjs';            Object.defineProperty(exports, Symbol.for('thingsjs.esm'), { value: true });
 *   export let count = 0;                      Object.defineProperties(exports, {
 *   export function inc() { count += b; }        count: { enumerable: true, get: () => count },
 *   export default ns.x + def;                   default: { enumerable: true, get: () => $esm_default },
 *   export * from './more.mjs';                  inc: { enumerable: true, get: () => inc } });
 *   import('./lazy.mjs');                      const $esm_m0 = globalThis['$tjs_runtime'].importNs(require('./dep.mjs'));
 *   import.meta.url;                           const $esm_m1 = globalThis['$tjs_runtime'].importNs(require('./ns.mjs'));
 *                                              const $esm_m2 = globalThis['$tjs_runtime'].importNs(require('./more.mjs'));
 *                                              for (const k of Object.keys($esm_m2)) if (...) Object.defineProperty(exports, k, { get: () => $esm_m2[k] });
 *                                              let count = 0;
 *                                              function inc() { count += $esm_m0.a; }
 *                                              const $esm_default = $esm_m1.x + $esm_m0.default;
 *                                              globalThis['$tjs_runtime'].dynamicImport(require, './lazy.mjs');   
 *                                              $esm_meta.url;
 *
 * - Every import is hoisted (dependencies evaluate before the module's body, in source
 *   order) and every reference to an imported binding reads through the dependency's
 *   namespace object, so an exported `let` that changes is seen by importers (live binding).
 * - The namespace of a compiled ES module is its `exports` object, with one getter per
 *   export defined before any dependency loads (circular imports see them); the namespace
 *   of a CommonJS module is `{ default: module.exports, ...its properties }` (runtime
 *   `importNs`). Dynamic `import()` becomes a promise of such a namespace (`dynamicImport`).
 * - Top-level `this` is undefined; the module is strict; `import.meta` is an object with `url`.
 * - Top-level declarations named require/module/exports/__filename/__dirname (legal in ES
 *   modules) are renamed so they cannot hide the CommonJS wrapper's own.
 * - Refused: top-level `await` (E_UNSUPPORTED_SYNTAX).
 *
 * `lowerDynamicImport` is the part CommonJS modules need: `import()` only.
 */
import { CompileError } from '../errors';
import { NO_POSITION, positionOf } from '../position';
import { RUNTIME_GLOBAL } from '../reserved';
import * as b from './builders';
import { patternIdentifiers } from '../analyze/scope';
import { eachChild, isFunction, type Node } from '../walk';

/** Key of the non-enumerable marker on a compiled ES module's exports object. */
export const ESM_MARKER_KEY = 'thingsjs.esm';
const WRAPPER_NAMES = ['require', 'module', 'exports', '__filename', '__dirname'];

/**
 * Gives generated nodes the source position of `pos`, the node they stand for (error
 * positions come from its offset: ../position.ts), or, with no such node, none: they are
 * then marked as placed at the module's start, where scope analysis orders them.
 */
function at<T extends Node>(n: T, pos: Node | null): T {
  const noPosition = !pos || !!pos[NO_POSITION];
  // Compiled without offsets (../parse.ts): there is nothing to copy.
  if (!noPosition && pos.start === undefined) return n;
  const walk = (x: Node): void => {
    if (x.start === undefined) {
      x.start = noPosition ? 0 : pos.start;
      x.end = noPosition ? 0 : pos.end;
      if (noPosition) x[NO_POSITION] = true;
    }
    eachChild(x, walk);
  };
  walk(n);
  return n;
}

// globalThis['$tjs_runtime'] (a computed key: the analysis refuses identifiers with the reserved prefix).
const runtimeCall = (method: string, args: Node[]): Node => b.call(b.member(b.computedMember(b.id('globalThis'), b.literal(RUNTIME_GLOBAL)), method), args);

/** A name prefix that no identifier of the program starts with. */
function pickPrefix(program: Node): string {
  const used: string[] = [];
  const walk = (n: Node): void => {
    if (n.type === 'Identifier' && typeof n.name === 'string' && n.name.startsWith('$esm')) used.push(n.name);
    eachChild(n, walk);
  };
  walk(program);
  for (let i = 0; ; i++) {
    const p = i === 0 ? '$esm_' : `$esm${i}_`;
    if (!used.some((u) => u.startsWith(p))) return p;
  }
}

// ---- scopes -------------------------------------------------------------------------------

/** The names a binding pattern declares. */
function patternNames(p: Node | null | undefined): string[] {
  return patternIdentifiers(p ?? null).map((id) => id.name as string);
}

/** Names declared by let/const/class/function directly in a statement list. */
function lexicalNames(stmts: Node[], out: Set<string>): void {
  for (let s of stmts) {
    if ((s.type === 'ExportNamedDeclaration' || s.type === 'ExportDefaultDeclaration') && s.declaration) s = s.declaration;
    if (s.type === 'VariableDeclaration' && s.kind !== 'var') for (const d of s.declarations) patternNames(d.id).forEach((n) => out.add(n));
    else if ((s.type === 'ClassDeclaration' || s.type === 'FunctionDeclaration') && s.id) out.add(s.id.name);
  }
}

/** `var` names anywhere in a function body (not in nested functions or classes). */
function varNames(n: Node, out: Set<string>): void {
  if (isFunction(n) || n.type === 'ClassDeclaration' || n.type === 'ClassExpression') return;
  if (n.type === 'VariableDeclaration' && n.kind === 'var') for (const d of n.declarations) patternNames(d.id).forEach((x) => out.add(x));
  eachChild(n, (c) => varNames(c, out));
}

interface Scope {
  names: Set<string>;
  parent: Scope | null;
}

interface RewriteOptions {
  /** Replacement for a reference that resolves to the module scope (or a global), or null. */
  moduleRef?: (id: Node) => Node | null;
  /** Top-level `this` becomes undefined. */
  moduleThis?: boolean;
  /** Replacement for `import.meta`. */
  meta?: () => Node;
  /** Replacement for `import(source)`. */
  dynamicImport: (source: Node, n: Node) => Node;
  /** Refuse top-level await. */
  noTopLevelAwait?: boolean;
  filename: string;
}

/**
 * Walks statements of the module scope, replacing references that resolve to the module scope
 * as `moduleRef` says (inner declarations shadow), plus `this`, `import.meta`, `import()`.
 */
function rewrite(stmts: Node[], opt: RewriteOptions): void {
  const resolvesToModule = (name: string, s: Scope | null): boolean => {
    for (; s; s = s.parent) if (s.names.has(name)) return false;
    return true;
  };
  const visit = (n: Node, s: Scope | null, moduleThis: boolean, inFunction: boolean): Node => {
    const kids = (node: Node, sc: Scope | null, mt = moduleThis, inF = inFunction): void => {
      eachChild(node, (c, key, i) => {
        const r = visit(c, sc, mt, inF);
        if (r !== c) {
          if (i >= 0) node[key][i] = r;
          else node[key] = r;
        }
      });
    };
    const slot = (node: Node, key: string, sc: Scope | null, mt = moduleThis, inF = inFunction): void => {
      if (node[key]) node[key] = visit(node[key], sc, mt, inF);
    };
    switch (n.type) {
      case 'Identifier': {
        if (!opt.moduleRef || !resolvesToModule(n.name, s)) return n;
        const r = opt.moduleRef(n);
        return r ? at(r, n) : n;
      }
      case 'ThisExpression':
        return opt.moduleThis && moduleThis ? at(b.undef(), n) : n;
      case 'MetaProperty':
        return n.meta?.name === 'import' && opt.meta ? at(opt.meta(), n) : n;
      case 'ImportExpression': {
        slot(n, 'source', s);
        return at(opt.dynamicImport(n.source, n), n);
      }
      case 'AwaitExpression':
        if (opt.noTopLevelAwait && !inFunction) throw new CompileError('E_UNSUPPORTED_SYNTAX', `${opt.filename}: top-level await in an ES module is not supported: move it into an async function`, positionOf(n));
        break;
      case 'MemberExpression':
        slot(n, 'object', s);
        if (n.computed) slot(n, 'property', s);
        return n;
      case 'Property': {
        if (n.computed) slot(n, 'key', s);
        slot(n, 'value', s);
        if (n.shorthand && !(n.value === n.key || (n.value.type === 'AssignmentPattern' && n.value.left === n.key))) n.shorthand = false;
        return n;
      }
      case 'MethodDefinition':
      case 'PropertyDefinition':
      case 'AccessorProperty':
        if (n.computed) slot(n, 'key', s);
        slot(n, 'value', s, false, true);
        return n;
      case 'LabeledStatement':
        slot(n, 'body', s);
        return n;
      case 'BreakStatement':
      case 'ContinueStatement':
        return n;
      case 'FunctionDeclaration':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression': {
        if (n.type === 'FunctionDeclaration') slot(n, 'id', s);
        const names = new Set<string>();
        for (const p of n.params) patternNames(p).forEach((x) => names.add(x));
        if (n.type === 'FunctionExpression' && n.id) names.add(n.id.name);
        if (n.type !== 'ArrowFunctionExpression') names.add('arguments');
        if (n.body.type === 'BlockStatement') {
          varNames(n.body, names);
          lexicalNames(n.body.body, names);
        }
        const fs: Scope = { names, parent: s };
        const mt = n.type === 'ArrowFunctionExpression' ? moduleThis : false;
        n.params = n.params.map((p: Node) => visit(p, fs, mt, true));
        if (n.body.type === 'BlockStatement') n.body.body = n.body.body.map((x: Node) => visit(x, fs, mt, true));
        else n.body = visit(n.body, fs, mt, true);
        return n;
      }
      case 'ClassDeclaration':
      case 'ClassExpression': {
        if (n.type === 'ClassDeclaration') slot(n, 'id', s);
        const cs: Scope = { names: new Set(n.id ? [n.id.name] : []), parent: s };
        slot(n, 'superClass', cs);
        slot(n, 'body', cs, false, inFunction);
        return n;
      }
      case 'StaticBlock': {
        const names = new Set<string>();
        varNames({ type: 'BlockStatement', body: n.body }, names);
        lexicalNames(n.body, names);
        kids(n, { names, parent: s }, false, true);
        return n;
      }
      case 'BlockStatement': {
        const names = new Set<string>();
        lexicalNames(n.body, names);
        kids(n, names.size ? { names, parent: s } : s);
        return n;
      }
      case 'ForStatement':
      case 'ForInStatement':
      case 'ForOfStatement': {
        if (n.await && opt.noTopLevelAwait && !inFunction) throw new CompileError('E_UNSUPPORTED_SYNTAX', `${opt.filename}: top-level for await in an ES module is not supported: move it into an async function`, positionOf(n));
        const head = n.type === 'ForStatement' ? n.init : n.left;
        const names = new Set<string>();
        if (head?.type === 'VariableDeclaration' && head.kind !== 'var') for (const d of head.declarations) patternNames(d.id).forEach((x) => names.add(x));
        kids(n, names.size ? { names, parent: s } : s);
        return n;
      }
      case 'SwitchStatement': {
        slot(n, 'discriminant', s);
        const names = new Set<string>();
        for (const c of n.cases) lexicalNames(c.consequent, names);
        const ss: Scope = { names, parent: s };
        n.cases = n.cases.map((c: Node) => visit(c, ss, moduleThis, inFunction));
        return n;
      }
      case 'CatchClause': {
        const cs: Scope = { names: new Set(patternNames(n.param)), parent: s };
        kids(n, cs);
        return n;
      }
      default:
        break;
    }
    kids(n, s);
    return n;
  };
  for (let i = 0; i < stmts.length; i++) stmts[i] = visit(stmts[i], null, true, false);
}

// ---- CommonJS: import() only -------------------------------------------------------------

/** `import(x)` in a CommonJS module → a promise of the required module's namespace. */
export function lowerDynamicImport(program: Node, filename: string): Node {
  let found = false;
  const find = (n: Node): void => {
    if (n.type === 'ImportExpression') found = true;
    else if (!found) eachChild(n, find);
  };
  find(program);
  if (!found) return program;
  rewrite(program.body, {
    filename,
    dynamicImport: (source) => runtimeCall('dynamicImport', [b.id('require'), source]),
  });
  return program;
}

// ---- ES module → CommonJS ----------------------------------------------------------------

const nameOf = (n: Node): string => (n.type === 'Identifier' ? n.name : String(n.value));

/** Rewrites a program parsed with the module goal into a CommonJS-shaped script program. */
export function esmToCjs(program: Node, filename: string): Node {
  const P = pickPrefix(program);
  const sourceVars = new Map<string, string>();
  const requires: Node[] = [];
  const body: Node[] = [];
  /** imported local name → the expression it reads (on the dependency's namespace). */
  const imports = new Map<string, () => Node>();
  /** export name → local name (or a function giving the expression). */
  const exported = new Map<string, string | (() => Node)>();
  let hasStar = false;
  let defaultFnRename = '';

  const sourceVar = (src: Node): string => {
    const spec = String(src.value);
    let v = sourceVars.get(spec);
    if (!v) {
      v = `${P}m${sourceVars.size}`;
      sourceVars.set(spec, v);
      requires.push(at(b.varDecl('const', v, runtimeCall('importNs', [b.call(b.id('require'), [b.literal(spec)])])), null));
    }
    return v;
  };
  const declNames = (d: Node): string[] => {
    if (d.type === 'VariableDeclaration') return d.declarations.flatMap((x: Node) => patternNames(x.id));
    return d.id ? [d.id.name] : [];
  };

  const directives: Node[] = [];
  for (const s of program.body as Node[]) {
    switch (s.type) {
      case 'ImportDeclaration': {
        const v = sourceVar(s.source);
        for (const sp of s.specifiers) {
          const local: string = sp.local.name;
          if (sp.type === 'ImportDefaultSpecifier') imports.set(local, () => b.member(b.id(v), 'default'));
          else if (sp.type === 'ImportNamespaceSpecifier') imports.set(local, () => b.id(v));
          else {
            const name = nameOf(sp.imported);
            imports.set(local, () => b.member(b.id(v), name));
          }
        }
        break;
      }
      case 'ExportAllDeclaration': {
        const v = sourceVar(s.source);
        if (s.exported) {
          exported.set(nameOf(s.exported), () => b.id(v));
        } else {
          // for (const k of Object.keys(v)) if (k !== 'default' && !Object.prototype.hasOwnProperty.call(exports, k))
          //   Object.defineProperty(exports, k, { enumerable: true, get: () => v[k] });
          hasStar = true;
          const k = (): Node => b.id(`${P}k`);
          const getter: Node = { type: 'ArrowFunctionExpression', params: [], body: b.computedMember(b.id(v), k()), expression: true, async: false, generator: false };
          const define = b.exprStmt(b.call(b.member(b.id('Object'), 'defineProperty'), [b.id('exports'), k(), b.object([b.prop('enumerable', b.literal(true)), b.prop('configurable', b.literal(true)), b.prop('get', getter)])]));
          const test: Node = {
            type: 'LogicalExpression',
            operator: '&&',
            left: { type: 'BinaryExpression', operator: '!==', left: k(), right: b.literal('default') },
            right: { type: 'UnaryExpression', operator: '!', prefix: true, argument: b.call(b.member(b.member(b.member(b.id('Object'), 'prototype'), 'hasOwnProperty'), 'call'), [b.id('exports'), k()]) },
          };
          requires.push(
            at(
              {
                type: 'ForOfStatement',
                await: false,
                left: { type: 'VariableDeclaration', kind: 'const', declarations: [{ type: 'VariableDeclarator', id: b.id(`${P}k`), init: null }] },
                right: b.call(b.member(b.id('Object'), 'keys'), [b.id(v)]),
                body: { type: 'IfStatement', test, consequent: define, alternate: null },
              },
              null,
            ),
          );
        }
        break;
      }
      case 'ExportNamedDeclaration': {
        if (s.declaration) {
          body.push(s.declaration);
          for (const n of declNames(s.declaration)) exported.set(n, n);
        } else if (s.source) {
          const v = sourceVar(s.source);
          for (const sp of s.specifiers) {
            const local = nameOf(sp.local);
            exported.set(nameOf(sp.exported), () => b.member(b.id(v), local));
          }
        } else {
          for (const sp of s.specifiers) exported.set(nameOf(sp.exported), nameOf(sp.local));
        }
        break;
      }
      case 'ExportDefaultDeclaration': {
        const d = s.declaration;
        if ((d.type === 'FunctionDeclaration' || d.type === 'ClassDeclaration') && d.id) {
          body.push(d);
          exported.set('default', d.id.name);
        } else if (d.type === 'FunctionDeclaration') {
          // Hoisted like any function declaration; renamed back to "default" at the top.
          defaultFnRename = `${P}default`;
          d.id = at(b.id(defaultFnRename), d);
          body.push(d);
          exported.set('default', defaultFnRename);
        } else {
          let value: Node = d.type === 'ClassDeclaration' ? { ...d, type: 'ClassExpression' } : d;
          const anonymous = (value.type === 'FunctionExpression' || value.type === 'ClassExpression') && !value.id;
          // ({ default: <anonymous fn/class> }).default gets the name "default", as the engine does.
          if (anonymous || value.type === 'ArrowFunctionExpression') value = b.member(b.object([b.prop('default', value)]), 'default');
          body.push(at(b.varDecl('const', `${P}default`, value), s));
          exported.set('default', `${P}default`);
        }
        break;
      }
      default:
        if (s.type === 'ExpressionStatement' && typeof s.directive === 'string' && body.length === 0) directives.push(s);
        else body.push(s);
    }
  }

  // Top-level declarations that would hide the CommonJS wrapper's variables are renamed.
  const topNames = new Set<string>();
  lexicalNames(body, topNames);
  varNames({ type: 'BlockStatement', body }, topNames);
  const renamed = new Map<string, string>();
  for (const n of WRAPPER_NAMES) if (topNames.has(n)) renamed.set(n, `${P}${n}`);

  const resolveTop = (name: string): Node => {
    const imp = imports.get(name);
    if (imp) return imp();
    return b.id(renamed.get(name) ?? name);
  };
  let metaUsed = false;
  rewrite(body, {
    filename,
    moduleThis: true,
    noTopLevelAwait: true,
    moduleRef: (id) => (imports.has(id.name) || renamed.has(id.name) ? resolveTop(id.name) : null),
    meta: () => {
      metaUsed = true;
      return b.id(`${P}meta`);
    },
    // The wrapper's `require` (a top-level `require` of the module is renamed; an alias kept in
    // a variable would be captured by closures, and Node's require cannot migrate).
    dynamicImport: (source) => runtimeCall('dynamicImport', [b.id('require'), source]),
  });

  const head: Node[] = [];
  const useStrict = directives.some((d) => d.directive === 'use strict');
  if (!useStrict) directives.unshift({ type: 'ExpressionStatement', expression: b.literal('use strict'), directive: 'use strict' });
  // Object.defineProperty(exports, Symbol.for('thingsjs.esm'), { value: true });
  head.push(b.exprStmt(b.call(b.member(b.id('Object'), 'defineProperty'), [b.id('exports'), b.call(b.member(b.id('Symbol'), 'for'), [b.literal(ESM_MARKER_KEY)]), b.object([b.prop('value', b.literal(true))])])));
  if (defaultFnRename) {
    head.push(b.exprStmt(b.call(b.member(b.id('Object'), 'defineProperty'), [b.id(defaultFnRename), b.literal('name'), b.object([b.prop('value', b.literal('default')), b.prop('configurable', b.literal(true))])])));
  }
  if (exported.size) {
    // ES module namespaces list their exports in code-unit order.
    const props = [...exported.keys()].sort().map((name) => {
      const target = exported.get(name)!;
      const expr = typeof target === 'string' ? resolveTop(target) : target();
      const getter: Node = { type: 'ArrowFunctionExpression', params: [], body: expr, expression: true, async: false, generator: false };
      // Configurable only while `export *` names still have to be sorted in (below).
      const flags = [b.prop('enumerable', b.literal(true)), ...(hasStar ? [b.prop('configurable', b.literal(true))] : [])];
      return b.prop(name, b.object([...flags, b.prop('get', getter)]));
    });
    head.push(b.exprStmt(b.call(b.member(b.id('Object'), 'defineProperties'), [b.id('exports'), b.object(props)])));
  }
  if (metaUsed) {
    // const $esm_meta = Object.create(null); $esm_meta.url = require('url').pathToFileURL(__filename).href;
    head.push(b.varDecl('const', `${P}meta`, b.call(b.member(b.id('Object'), 'create'), [b.literal(null)])));
    const url = b.member(b.call(b.member(b.call(b.id('require'), [b.literal('url')]), 'pathToFileURL'), [b.id('__filename')]), 'href');
    head.push(b.exprStmt(b.assign(b.member(b.id(`${P}meta`), 'url'), url)));
  }
  if (hasStar) {
    // for (const k of Object.keys(exports).sort()) { const d = Object.getOwnPropertyDescriptor(exports, k);
    //   delete exports[k]; Object.defineProperty(exports, k, d); }   — namespace keys in sorted order
    const k = (): Node => b.id(`${P}k`);
    const d = (): Node => b.id(`${P}d`);
    requires.push(
      at(
        {
          type: 'ForOfStatement',
          await: false,
          left: { type: 'VariableDeclaration', kind: 'const', declarations: [{ type: 'VariableDeclarator', id: k(), init: null }] },
          right: b.call(b.member(b.call(b.member(b.id('Object'), 'keys'), [b.id('exports')]), 'sort'), []),
          body: b.block([
            b.varDecl('const', `${P}d`, b.call(b.member(b.id('Object'), 'getOwnPropertyDescriptor'), [b.id('exports'), k()])),
            b.exprStmt({ type: 'UnaryExpression', operator: 'delete', prefix: true, argument: b.computedMember(b.id('exports'), k()) }),
            b.exprStmt(b.call(b.member(b.id('Object'), 'defineProperty'), [b.id('exports'), k(), d()])),
          ]),
        },
        null,
      ),
    );
  }
  for (const h of head) at(h, null);
  for (const d of directives) at(d, null);
  return { ...program, sourceType: 'script', body: [...directives, ...head, ...requires, ...body] };
}
