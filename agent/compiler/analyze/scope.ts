/**
 * Scope analysis: a read-only pass that resolves every identifier and decides which
 * bindings must live in explicit environment records.
 *
 * A "unit" is a function whose code the compiler hoists into a factory so that a snapshot
 * can rebuild it from (code id, environment records). Units are function declarations,
 * function expressions (object-literal methods included) and arrows — except inside
 * "native regions" (class bodies, and object-literal methods that use `super`), which stay
 * as written.
 *
 * A binding is *captured* when some reference to it crosses a unit boundary; only captured
 * bindings move into an environment record, every other local stays a native variable. The
 * same holds for `this` and `arguments` used by arrows: the nearest non-arrow function keeps
 * them in its record.
 */
import { CompileError } from '../errors';
import { NO_POSITION, positionOf } from '../position';
import { GENERATED, RESERVED_PREFIX } from '../reserved';
import { eachChild, isFunction, type Node } from '../walk';
import { needsLowering } from '../normalize/lower-constructor-params';

export type ScopeKind = 'module' | 'function' | 'block' | 'for' | 'switch' | 'catch' | 'class';
export type BindingKind = 'var' | 'let' | 'const' | 'param' | 'function' | 'class' | 'catch' | 'fname';

export interface Binding {
  name: string;
  kind: BindingKind;
  scope: Scope;
  captured: boolean;
  /** In a resumable function, where every binding is `captured` (lives in the frame or a
   *  record in it): whether a closure reaches it, which needs a record of its own. */
  closure?: boolean;
  /** For let/const/class: where the binding becomes initialised, as a position in the
   *  analysis walk (see `seq` in analyze()). */
  declEnd?: number;
  /** The transform's key of the binding's field in its record (see capturedRef), made at
   *  its first use and shared. */
  fieldKey?: Node;
}

export interface Scope {
  id: number;
  kind: ScopeKind;
  node: Node;
  parent: Scope | null;
  /** The nearest enclosing scope of kind function/module: where `var` goes. */
  varScope: Scope;
  bindings: Map<string, Binding>;
  /** For function/module scopes: arrows inside read this function's `this` / `arguments`. */
  thisCaptured: boolean;
  argsCaptured: boolean;
  /** For function scopes: the function is a unit (hoisted into a factory). */
  unit: boolean;
  /** Strict-mode code. */
  strict: boolean;
  /** For function scopes: the function's own `arguments` is referenced (here or in arrows). */
  usesArgs: boolean;
  /** Number of scopes above this one. */
  depth: number;
  /** This scope if it is a unit, else its parent's nearestUnit (null: none up to the top). */
  nearestUnit: Scope | null;
  /** For function scopes: its parameter list is being resolved (see nativeRefs). */
  inParams: boolean;
  /** hasEnv(), computed once the analysis is done (null before). */
  env: boolean | null;
  /** The transform's isFlat(), once computed. */
  flat?: boolean;
  /** Where the scope's node starts, as a position in the analysis walk. */
  start: number;
  /** For the scope of a unit: the ids of the records its factory takes (unitEnvs). */
  envs: number[] | null;
  /** For a function declaration hoisted in its parent scope: the earliest position there
   *  from which it can run (hoistedRunPoints; undefined: not computed). */
  hoistedRun: number | undefined;
  /** The transform's identifier of the scope's record (`$tjs_e<id>`), made at its first
   *  use and shared by every reference to the record. */
  envIdent: Node | null;
}

/** A new binding. Every field is there from the start, those set later too: one hidden
 *  class for all bindings (a field added later makes another, and the optimised code that
 *  had seen only the first is thrown away and compiled again). */
function newBinding(name: string, kind: BindingKind, scope: Scope, declEnd: number | undefined): Binding {
  return { name, kind, scope, captured: false, closure: undefined, declEnd, fieldKey: undefined };
}

/** A let/const/class binding's declEnd until the walk has left its declaration. */
const NOT_YET = -1;

/** The bindings of a scope that declares none (most blocks): shared, never written. */
const NO_BINDINGS: Map<string, Binding> = new Map();

/**
 * The analysis keeps its facts about nodes on the nodes, under these symbols (a Map keyed by
 * node costs an identity hash and a table probe per lookup, several times a property read on
 * trees of tens of thousands of nodes). The tables below read them. A tree analysed again is
 * cleared first (clearMarks).
 */
const SCOPE = Symbol('thingsjs.scope');
const REF = Symbol('thingsjs.ref');
const DECL = Symbol('thingsjs.decl');
const LEX = Symbol('thingsjs.lex');
/** A function that is a declarator's initializer: the declarator's end (declaredFns). */
const STORED_AT = Symbol('thingsjs.storedAt');
const FLAGS = Symbol('thingsjs.flags');
const UNIT = 1;
const NATIVE = 2;
const TDZ = 4;
/** A function node that is a class member (not a unit of its own). */
const MEMBER = 8;
const MARKS = [SCOPE, REF, DECL, LEX, STORED_AT, FLAGS];

/** Read access to a per-node table of the analysis. */
export interface NodeTable<V> {
  get(n: Node): V | undefined;
  has(n: Node): boolean;
}
/** Read access to a set of nodes of the analysis. */
export interface NodeSet {
  has(n: Node): boolean;
}

const scopeTable: NodeTable<Scope> = { get: (n) => n[SCOPE], has: (n) => n[SCOPE] !== undefined };
const refTable: NodeTable<Binding> = { get: (n) => n[REF], has: (n) => n[REF] !== undefined };
const declTable: NodeTable<Binding> = { get: (n) => n[DECL], has: (n) => n[DECL] !== undefined };
const lexTable: NodeTable<Scope> = { get: (n) => n[LEX], has: (n) => n[LEX] !== undefined };
const unitScope = (n: Node): Scope | undefined => {
  const s: Scope | undefined = n[SCOPE];
  return s !== undefined && s.envs !== null && s.node === n ? s : undefined;
};
const envsTable: NodeTable<number[]> = { get: (n) => unitScope(n)?.envs ?? undefined, has: (n) => unitScope(n) !== undefined };
const unitSet: NodeSet = { has: (n) => (n[FLAGS] & UNIT) !== 0 };
/** The transform marks some more references native (a loop head's own bindings read in its
 *  defaults: instrument-closures.ts nativeInPattern). */
const nativeSet: NodeSet & { add(n: Node): void } = {
  has: (n) => (n[FLAGS] & NATIVE) !== 0,
  add: (n) => {
    n[FLAGS] = (n[FLAGS] ?? 0) | NATIVE;
  },
};
const tdzSet: NodeSet = { has: (n) => (n[FLAGS] & TDZ) !== 0 };

/** Removes the marks of an earlier analysis from a tree. */
function clearMarks(n: Node): void {
  for (let i = 0; i < MARKS.length; i++) if (n[MARKS[i]] !== undefined) n[MARKS[i]] = undefined;
  eachChild(n, clearMarks);
}

export interface Analysis {
  /** The scope each scope-introducing node creates. */
  scopeOf: NodeTable<Scope>;
  /** Identifier reference nodes (reads and writes) → the binding they resolve to. */
  refs: NodeTable<Binding>;
  /** Identifier nodes in binding position (declarations, params) → binding. */
  decls: NodeTable<Binding>;
  /** ThisExpression / `arguments` identifier nodes inside arrows → the scope that keeps them. */
  lexicalThis: NodeTable<Scope>;
  /** For each unit function node: the ids of the env records its factory takes, sorted. */
  unitEnvs: NodeTable<number[]>;
  /** References inside a function's parameter list to that function's own captured bindings:
   *  they run before the record exists, so they stay native. */
  nativeRefs: NodeSet & { add(n: Node): void };
  /** Captured let/const/class references that may run before the declaration (temporal
   *  dead zone): they are read through a check. */
  tdzRefs: NodeSet;
  /** Bindings with such references: their record field starts as the TDZ marker. */
  tdzBindings: Set<Binding>;
  /** Function nodes that are units. */
  units: NodeSet;
  /** Units whose parameter defaults, from this index on, are evaluated in the body. */
  lowerParams: Map<Node, number>;
  /** Generator units compiled to resumable state machines: every binding of theirs lives in
   *  a record (the frame), so a suspended activation is ordinary heap state. */
  resumable: Set<Node>;
  scopes: Scope[];
}

export function hasEnv(s: Scope): boolean {
  if (s.env !== null) return s.env;
  return computeHasEnv(s);
}

function computeHasEnv(s: Scope): boolean {
  if (s.thisCaptured || s.argsCaptured) return true;
  if (s.bindings === NO_BINDINGS) return false;
  for (const b of s.bindings.values()) if (b.captured) return true;
  return false;
}

/** Collects the identifier nodes a binding pattern declares. */
export function patternIdentifiers(p: Node | null, out: Node[] = []): Node[] {
  if (!p) return out;
  switch (p.type) {
    case 'Identifier':
      out.push(p);
      break;
    case 'ObjectPattern':
      for (const prop of p.properties) patternIdentifiers(prop.type === 'RestElement' ? prop.argument : prop.value, out);
      break;
    case 'ArrayPattern':
      for (const el of p.elements) patternIdentifiers(el, out);
      break;
    case 'AssignmentPattern':
      patternIdentifiers(p.left, out);
      break;
    case 'RestElement':
      patternIdentifiers(p.argument, out);
      break;
    default:
      break; // MemberExpression targets in assignment patterns declare nothing
  }
  return out;
}

/** Private names used in fn that no class inside fn declares. */
function usesOuterPrivateName(fn: Node): boolean {
  let found = false;
  const visit = (n: Node, own: Set<string>): void => {
    if (found) return;
    if (n.type === 'PrivateIdentifier' && !own.has(n.name)) {
      found = true;
      return;
    }
    if (n.type === 'ClassBody') {
      const inner = new Set(own);
      for (const el of n.body) if (el.key?.type === 'PrivateIdentifier') inner.add(el.key.name);
      eachChild(n, (c) => visit(c, inner));
      return;
    }
    eachChild(n, (c) => visit(c, own));
  };
  visit(fn, new Set());
  return found;
}


function usesSuper(fn: Node): boolean {
  let found = false;
  const visit = (n: Node, top: boolean): void => {
    if (found) return;
    if (n.type === 'Super') {
      found = true;
      return;
    }
    if (!top && (n.type === 'FunctionExpression' || n.type === 'FunctionDeclaration' || n.type === 'ClassBody')) return;
    eachChild(n, (c) => visit(c, false));
  };
  visit(fn, true);
  return found;
}

function hasUseStrict(node: Node): boolean {
  const body: Node[] | undefined = node.type === 'Program' ? node.body : node.body?.type === 'BlockStatement' ? node.body.body : undefined;
  if (!body) return false;
  for (const st of body) {
    if (st.type !== 'ExpressionStatement' || typeof st.directive !== 'string') return false;
    if (st.directive === 'use strict') return true;
  }
  return false;
}

export interface AnalyzeHints {
  /** The program has no `super` anywhere (so no function uses it). */
  noSuper?: boolean;
  /** The program has no private name (`#x`) anywhere. */
  noPrivate?: boolean;
  /** The program has not been through normalize (normalize/index.ts): analyze() returns null
   *  at the first construct that normalize would rewrite ('script': `import()` too, which a
   *  module's compilation has already lowered), else the analysis, which is then the same as
   *  after normalize (a program without those constructs has no `super` nor private name). */
  unnormalized?: 'script' | 'module';
  /** No node of the tree is marked NO_POSITION (only esmToCjs marks nodes: a script's tree
   *  has none), so the mark is not looked for. */
  allPositioned?: boolean;
}

/** Thrown inside analyze() when an unnormalized program needs normalize. */
const NEEDS_NORMALIZE = new Error('needs normalize');

export function analyze(program: Node, hints: AnalyzeHints & { unnormalized: 'script' | 'module' }): Analysis | null;
export function analyze(program: Node, hints?: AnalyzeHints): Analysis;
export function analyze(program: Node, hints: AnalyzeHints = {}): Analysis | null {
  const marked: Marked = { scopes: [], refIds: [], lexIds: [], declIds: [] };
  try {
    return analyzeProgram(program, hints, marked);
  } catch (err) {
    // The tree may be analysed again (after normalize): it keeps no mark of this analysis.
    unmark(marked);
    if (err === NEEDS_NORMALIZE) return null;
    throw err;
  }
}

/** What an analysis has marked, for unmark(). */
interface Marked {
  scopes: Scope[];
  refIds: Node[];
  lexIds: Node[];
  declIds: Node[];
}

function unmark(m: Marked): void {
  for (const s of m.scopes) {
    const n = s.node;
    n[SCOPE] = undefined;
    if (n[FLAGS] !== undefined) n[FLAGS] = undefined;
    if (n[STORED_AT] !== undefined) n[STORED_AT] = undefined;
    if (n.body?.type === 'BlockStatement' && n.body[SCOPE] !== undefined) n.body[SCOPE] = undefined;
    if (s.kind === 'class') for (const el of n.body.body) if (el.value && el.value[FLAGS] !== undefined) el.value[FLAGS] = undefined;
  }
  for (const id of m.refIds) {
    id[REF] = undefined;
    if (id[FLAGS] !== undefined) id[FLAGS] = undefined;
  }
  for (const id of m.declIds) id[DECL] = undefined;
  for (const n of m.lexIds) n[LEX] = undefined;
}

function analyzeProgram(program: Node, hints: AnalyzeHints, marked: Marked): Analysis {
  // Unnormalized: any `super` or private name stops the analysis (NEEDS_NORMALIZE).
  const unnormalized = hints.unnormalized !== undefined;
  const unnormalizedScript = hints.unnormalized === 'script';
  const noSuper = !!hints.noSuper || unnormalized;
  const noPrivate = !!hints.noPrivate || unnormalized;
  // A tree analysed before first loses the marks of that analysis (one that fails removes
  // its own: unmark; a successful one leaves them for the transform).
  if (program[SCOPE] !== undefined) clearMarks(program);
  /** Unit nodes (functions, classes), in the order found. */
  const units: Node[] = [];
  const { scopes, declIds } = marked;

  // Positions in source order without source offsets (the parser is not asked for them):
  // the walk below visits nodes in source order, so a counter taken as it enters a node
  // orders node starts, and its value when it leaves a node is that node's end (the one
  // exception, a for-in's body walked before its head, orders nothing compared here).
  // Generated nodes placed at no source node (NO_POSITION) count as being at position 0.
  let seq = 0;
  const startOf = hints.allPositioned ? (_n: Node, at: number): number => at : (n: Node, at: number): number => (n[NO_POSITION] === true ? 0 : at);

  const newScope = (kind: ScopeKind, node: Node, parent: Scope | null, start: number, unit = false): Scope => {
    const s: Scope = {
      id: scopes.length,
      kind,
      node,
      parent,
      varScope: null as unknown as Scope,
      bindings: NO_BINDINGS,
      thisCaptured: false,
      argsCaptured: false,
      unit,
      strict: !!parent?.strict || kind === 'class' || hasUseStrict(node),
      usesArgs: false,
      depth: parent ? parent.depth + 1 : 0,
      nearestUnit: null,
      inParams: false,
      env: null,
      envs: null,
      hoistedRun: undefined,
      envIdent: null,
      flat: undefined,
      start: startOf(node, start),
    };
    s.nearestUnit = unit ? s : parent ? parent.nearestUnit : null;
    s.varScope = kind === 'function' || kind === 'module' || !parent ? s : parent.varScope;
    scopes.push(s);
    node[SCOPE] = s;
    return s;
  };

  const checkReserved = (id: Node): void => {
    const name = id.name;
    if (typeof name === 'string' && name.charCodeAt(0) === 36 /* $ */ && name.startsWith(RESERVED_PREFIX) && !id[GENERATED]) {
      throw new CompileError('E_RESERVED_NAME', `identifier '${id.name}' uses the prefix '${RESERVED_PREFIX}' reserved for ThingsJS`, positionOf(id));
    }
  };

  /** `tdz`: a let/const/class binding, initialised where the walk leaves its declaration
   *  (endDeclaration). */
  const declare = (scope: Scope, id: Node, kind: BindingKind, tdz = false): void => {
    checkReserved(id);
    const name: string = id.name;
    if (scope.bindings === NO_BINDINGS) scope.bindings = new Map();
    let b = scope.bindings.get(name);
    if (!b) {
      b = newBinding(name, kind, scope, tdz ? NOT_YET : undefined);
      scope.bindings.set(name, b);
    } else if (kind === 'function' || (b.kind === 'fname' && kind !== 'fname')) {
      b.kind = kind;
    }
    id[DECL] = b;
    declIds.push(id);
  };

  /** Declares the identifiers of a binding pattern (patternIdentifiers' order). */
  const declarePattern = (scope: Scope, p: Node | null, kind: BindingKind, tdz = false): void => {
    if (!p) return;
    switch (p.type) {
      case 'Identifier':
        declare(scope, p, kind, tdz);
        return;
      case 'ObjectPattern':
        for (const prop of p.properties) declarePattern(scope, prop.type === 'RestElement' ? prop.argument : prop.value, kind, tdz);
        return;
      case 'ArrayPattern':
        for (const el of p.elements) declarePattern(scope, el, kind, tdz);
        return;
      case 'AssignmentPattern':
        declarePattern(scope, p.left, kind, tdz);
        return;
      case 'RestElement':
        declarePattern(scope, p.argument, kind, tdz);
        return;
      default:
        return;
    }
  };

  // ---- pass 1: scopes, declarations and references (one walk: build) --------------------
  // Finds `var` declarations (and their identifiers) anywhere in a function body, without
  // entering nested functions. They are statements: only statements that contain statements
  // are entered (an expression holds none outside a function or a class static block, which
  // are var scopes of their own). Children in eachChild order.
  let hoistScope: Scope;
  const hoistVarDecls = (n: Node, scope: Scope): void => {
    hoistScope = scope;
    hoistVisit(n);
  };
  const hoistVisit = (x: Node | null): void => {
    if (!x) return;
    const scope = hoistScope;
    switch (x.type) {
      // The most frequent statements first: they hold no declaration.
      case 'ExpressionStatement':
      case 'ReturnStatement':
      case 'FunctionDeclaration':
      case 'EmptyStatement':
      case 'ThrowStatement':
      case 'BreakStatement':
      case 'ContinueStatement':
        return;
      case 'VariableDeclaration':
        if (x.kind === 'var') for (const d of x.declarations) declarePattern(scope, d.id, 'var');
        return;
      case 'Program':
      case 'BlockStatement':
      case 'StaticBlock':
        for (const st of x.body) hoistVisit(st);
        return;
      case 'IfStatement':
        hoistVisit(x.consequent);
        hoistVisit(x.alternate);
        return;
      case 'ForStatement':
        hoistVisit(x.init);
        hoistVisit(x.body);
        return;
      case 'ForInStatement': // meriyah's key order: body, left, right
        hoistVisit(x.body);
        hoistVisit(x.left);
        return;
      case 'ForOfStatement':
        hoistVisit(x.left);
        hoistVisit(x.body);
        return;
      case 'WhileStatement':
      case 'DoWhileStatement':
      case 'LabeledStatement':
      case 'WithStatement':
        hoistVisit(x.body);
        return;
      case 'TryStatement':
        hoistVisit(x.block);
        if (x.handler) hoistVisit(x.handler.body);
        hoistVisit(x.finalizer);
        return;
      case 'SwitchStatement':
        for (const c of x.cases) for (const st of c.consequent) hoistVisit(st);
        return;
      case 'ExportNamedDeclaration':
      case 'ExportDefaultDeclaration':
        hoistVisit(x.declaration);
        return;
      default:
        return;
    }
  };

  const declareLexical = (stmts: Node[], scope: Scope): void => {
    for (const st of stmts) {
      const s = st.type === 'ExportNamedDeclaration' || st.type === 'ExportDefaultDeclaration' ? st.declaration ?? st : st;
      if (s.type === 'VariableDeclaration' && s.kind !== 'var') {
        for (const d of s.declarations) declarePattern(scope, d.id, s.kind, true);
      } else if (s.type === 'FunctionDeclaration' && s.id) {
        declare(scope, s.id, 'function');
      } else if (s.type === 'ClassDeclaration' && s.id) {
        declare(scope, s.id, 'class', true);
      }
    }
  };

  let inNative = 0;
  let classDepth = 0;
  const resumableScopes = new Set<Scope>();
  /** Async and generator class members that are units of their own for captures (their
   *  function nodes are marked MEMBER, as every class member's). */
  const resumableMembers: Node[] = [];
  const addUnit = (n: Node): void => {
    const f = n[FLAGS] | 0;
    if ((f & UNIT) === 0) {
      n[FLAGS] = f | UNIT;
      units.push(n);
    }
  };

  const build = (n: Node, scope: Scope): void => {
    const at = seq++;
    switch (n.type) {
      // The most frequent types first (a switch on strings tests its cases in order).
      case 'Identifier':
        checkReserved(n);
        reference(n, scope, startOf(n, at));
        return;
      case 'MemberExpression':
        build(n.object, scope);
        if (n.computed) build(n.property, scope);
        else nonRef(n.property, scope);
        return;
      case 'Literal':
      case 'EmptyStatement':
      case 'TemplateElement':
        return;
      case 'ExpressionStatement':
        build(n.expression, scope);
        return;
      case 'CallExpression':
        if (n.callee.type === 'Identifier' && n.callee.name === 'eval' && suppress === 0 && !lookup(scope, 'eval')) {
          // Reported once the whole program is analysed (the first in source order), as
          // before the declaration and reference walks were one.
          if (!directEval || n.start < directEval.start) directEval = n;
        }
        build(n.callee, scope);
        buildList(n.arguments, scope);
        return;
      case 'Program': {
        hoistVarDecls(n, scope);
        declareLexical(n.body, scope);
        buildList(n.body, scope);
        return;
      }
      case 'FunctionDeclaration':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        buildFunction(n, scope, at);
        return;
      case 'Property': {
        // Object-literal methods that use `super` depend on their home object: keep native.
        // Accessors with computed keys are left native for now (they run, but a snapshot that
        // reaches them reports them as not capturable).
        if ((n.method || n.kind === 'get' || n.kind === 'set') && ((n.computed && n.kind !== 'init') || (!noSuper && usesSuper(n.value)))) {
          if (n.computed) build(n.key, scope);
          inNative++;
          build(n.value, scope);
          inNative--;
          return;
        }
        if (n.computed) build(n.key, scope);
        else nonRef(n.key, scope);
        build(n.value, scope); // the same node as the key in `{ a }`: a reference once
        return;
      }
      case 'ClassDeclaration':
      case 'ClassExpression':
        buildClass(n, scope, at);
        return;
      case 'MethodDefinition':
      case 'PropertyDefinition':
      case 'StaticBlock':
        buildClassElement(n, scope, at);
        return;
      case 'BlockStatement': {
        const bs = newScope('block', n, scope, at);
        declareLexical(n.body, bs);
        buildList(n.body, bs);
        return;
      }
      case 'ForStatement':
      case 'ForInStatement':
      case 'ForOfStatement':
        buildFor(n, scope, at);
        return;
      case 'SwitchStatement':
        buildSwitch(n, scope, at);
        return;
      case 'CatchClause':
        buildCatch(n, scope, at);
        return;
      case 'WithStatement':
        throw new CompileError('E_UNSUPPORTED_SYNTAX', "the 'with' statement cannot be instrumented (its scope is only known at run time)", positionOf(n));
      case 'ThisExpression':
        lexical(n, scope, 'this');
        return;
      case 'VariableDeclaration':
        if (n.kind === 'var') {
          buildList(n.declarations, scope);
          return;
        }
        for (const d of n.declarations) {
          build(d, scope);
          endDeclaration(d, d.id);
        }
        return;
      case 'VariableDeclarator':
        buildPattern(n.id, scope, true);
        if (n.init) build(n.init, scope);
        // (After its walk: seq is then the declarator's end, as endDeclaration takes it.)
        if (n.init && (n.init.type === 'ArrowFunctionExpression' || n.init.type === 'FunctionExpression')) n.init[STORED_AT] = startOf(n, seq);
        return;
      case 'AssignmentExpression':
        if (n.left.type === 'ObjectPattern' || n.left.type === 'ArrayPattern') buildPattern(n.left, scope, false);
        else build(n.left, scope);
        build(n.right, scope);
        return;
      case 'ObjectPattern':
      case 'ArrayPattern':
      case 'AssignmentPattern':
      case 'RestElement':
        // Reached only as an assignment target (declarations go through buildPattern).
        buildPattern(n, scope, false);
        return;
      // The most frequent remaining types, their children in eachChild's order without it.
      case 'BinaryExpression':
      case 'LogicalExpression':
        build(n.left, scope);
        build(n.right, scope);
        return;
      case 'ReturnStatement':
      case 'UnaryExpression':
      case 'UpdateExpression':
        if (n.argument) build(n.argument, scope);
        return;
      case 'IfStatement':
      case 'ConditionalExpression':
        build(n.test, scope);
        build(n.consequent, scope);
        if (n.alternate) build(n.alternate, scope);
        return;
      case 'LabeledStatement':
        nonRef(n.label, scope);
        build(n.body, scope);
        return;
      case 'BreakStatement':
      case 'ContinueStatement':
        if (n.label) nonRef(n.label, scope);
        return;
      case 'MetaProperty':
        nonRef(n.meta, scope);
        nonRef(n.property, scope);
        return;
      case 'Super':
      case 'PrivateIdentifier':
        if (unnormalized) throw NEEDS_NORMALIZE;
        return;
      case 'ImportExpression':
        if (unnormalizedScript) throw NEEDS_NORMALIZE;
        break;
      // More frequent types that only walk their children: eachChild's order (CHILD_KEYS),
      // without it. Every child node is still visited (each visit counts in seq).
      case 'ObjectExpression':
        buildList(n.properties, scope);
        return;
      case 'ArrayExpression':
        buildList(n.elements, scope); // (holes are null)
        return;
      case 'NewExpression':
        build(n.callee, scope);
        buildList(n.arguments, scope);
        return;
      case 'SequenceExpression':
        buildList(n.expressions, scope);
        return;
      case 'ThrowStatement':
      case 'SpreadElement':
      case 'AwaitExpression':
        build(n.argument, scope);
        return;
      case 'ChainExpression':
        build(n.expression, scope);
        return;
      case 'TryStatement':
        build(n.block, scope);
        if (n.handler) build(n.handler, scope);
        if (n.finalizer) build(n.finalizer, scope);
        return;
      case 'WhileStatement':
        build(n.test, scope);
        build(n.body, scope);
        return;
      case 'DoWhileStatement':
        build(n.body, scope);
        build(n.test, scope);
        return;
      case 'TemplateLiteral':
        buildList(n.expressions, scope);
        buildList(n.quasis, scope);
        return;
      default:
        break;
    }
    buildChildren(n, scope);
  };

  // build's larger cases, as functions of their own: build stays small, so the optimising
  // compiler compiles it quickly (again each time a node shape it has not seen, or a field
  // that changes, throws its optimised code away: the first program with classes, say).

  /** A function. */
  const buildFunction = (n: Node, scope: Scope, at: number): void => {
    // Class members are part of their class's unit; arrows that use `super` need their
    // home object and stay in place.
    // Functions inside a class body that use its private names (#x) cannot leave it either.
    const isMember = (n[FLAGS] & MEMBER) !== 0;
    const isUnit = inNative === 0 && !isMember && !(n.type === 'ArrowFunctionExpression' && !noSuper && usesSuper(n)) && !(classDepth > 0 && !noPrivate && usesOuterPrivateName(n));
    // Async and generator class methods (their super and private references already go
    // through the runtime: normalize) run their bodies in a step function outside the
    // class: a unit boundary for captures, though the method itself stays in the class.
    const member = inNative === 0 && isMember && (n.generator || n.async) && (noSuper || !usesSuper(n)) && (noPrivate || !usesOuterPrivateName(n));
    const fs = newScope('function', n, scope, at, isUnit || member);
    if (isUnit) addUnit(n);
    if (member && !resumableMembers.includes(n)) resumableMembers.push(n);
    // Generators, async functions and async generators become state machines.
    if ((isUnit || member) && (n.generator || n.async)) resumableScopes.add(fs);
    if (n.type === 'FunctionExpression' && n.id) declare(fs, n.id, 'fname');
    for (const p of n.params) declarePattern(fs, p, 'param');
    if (n.body.type === 'BlockStatement') {
      hoistVarDecls(n.body, fs);
      declareLexical(n.body.body, fs);
      n.body[SCOPE] = fs; // the body block shares the function scope
      buildParams(n, fs);
      buildList(n.body.body, fs);
    } else {
      buildParams(n, fs);
      build(n.body, fs);
    }
  };

  /** A class. */
  const buildClass = (n: Node, scope: Scope, at: number): void => {
    // A class is one unit: its factory re-creates the class (methods, accessors, field
    // initializers, static blocks) from its environment records and heritage.
    if (n.superClass) build(n.superClass, scope);
    const isUnit = inNative === 0;
    const cs = newScope('class', n, scope, at, isUnit);
    if (isUnit) addUnit(n);
    if (n.id && n.type === 'ClassExpression') declare(cs, n.id, 'class');
    // Inside its body a declared class sees its own inner binding, initialised before
    // any static code runs (the outer one is still in its TDZ then).
    else if (n.id) cs.bindings = new Map([[n.id.name, newBinding(n.id.name, 'class', cs, undefined)]]);
    for (const el of n.body.body) {
      if (el.type === 'MethodDefinition') el.value[FLAGS] = el.value[FLAGS] | MEMBER;
      // (The walk does not visit private element names, nor decorators.)
      if (unnormalized && (el.key?.type === 'PrivateIdentifier' || el.decorators?.length || (el.type === 'MethodDefinition' && el.kind === 'constructor' && needsLowering(el.value)))) throw NEEDS_NORMALIZE;
    }
    if (unnormalized && n.decorators?.length) throw NEEDS_NORMALIZE;
    classDepth++;
    build(n.body, cs);
    classDepth--;
    if (n.id && n.type === 'ClassDeclaration') endDeclaration(n, n.id);
  };

  /** A method, field or static block of a class body. */
  const buildClassElement = (n: Node, scope: Scope, at: number): void => {
    if (n.type === 'StaticBlock') {
      const fs = newScope('function', n, scope, at);
      hoistVarDecls(n, fs);
      declareLexical(n.body, fs);
      buildList(n.body, fs);
      return;
    }
    if (n.computed) build(n.key, scope);
    if (n.value) {
      if (n.type === 'PropertyDefinition') {
        // A field initializer is evaluated like a method body (own `this`).
        const fs = newScope('function', n, scope, at);
        build(n.value, fs);
      } else build(n.value, scope);
    }
  };

  /** A for, for-in or for-of statement. */
  const buildFor = (n: Node, scope: Scope, at: number): void => {
    const head = n.type === 'ForStatement' ? n.init : n.left;
    let s = scope;
    if (head && head.type === 'VariableDeclaration' && head.kind !== 'var') {
      s = newScope('for', n, scope, at);
      for (const d of head.declarations) declarePattern(s, d.id, head.kind);
    }
    if (n.type === 'ForStatement') {
      // (eachChild's order: init, test, update, body.)
      if (n.init) build(n.init, s);
      if (n.test) build(n.test, s);
      if (n.update) build(n.update, s);
      build(n.body, s);
    } else if (n.type === 'ForInStatement') {
      // Children in eachChild's order (meriyah's: body, left, right).
      build(n.body, s);
      buildForHead(n.left, s);
      build(n.right, s);
    } else {
      buildForHead(n.left, s);
      build(n.right, s);
      build(n.body, s);
    }
  };

  /** A switch statement. */
  const buildSwitch = (n: Node, scope: Scope, at: number): void => {
    build(n.discriminant, scope);
    const ss = newScope('switch', n, scope, at);
    for (const c of n.cases) declareLexical(c.consequent, ss);
    for (const c of n.cases) {
      if (c.test) build(c.test, ss);
      buildList(c.consequent, ss);
    }
  };

  /** A catch clause. */
  const buildCatch = (n: Node, scope: Scope, at: number): void => {
    const cs = newScope('catch', n, scope, at);
    if (n.param) declarePattern(cs, n.param, 'catch');
    if (n.param) buildPattern(n.param, cs, true);
    build(n.body, cs);
  };

  /** The walk leaves a let/const declarator or a class declaration (`n`) that declares
   *  `target`: the bindings it created are initialised here. */
  const endDeclaration = (n: Node, target: Node | null): void => {
    if (!target) return;
    switch (target.type) {
      case 'Identifier': {
        const b: Binding | undefined = target[DECL];
        if (b !== undefined && b.declEnd === NOT_YET) b.declEnd = startOf(n, seq);
        return;
      }
      case 'ObjectPattern':
        for (const prop of target.properties) endDeclaration(n, prop.type === 'RestElement' ? prop.argument : prop.value);
        return;
      case 'ArrayPattern':
        for (const el of target.elements) endDeclaration(n, el);
        return;
      case 'AssignmentPattern':
        endDeclaration(n, target.left);
        return;
      case 'RestElement':
        endDeclaration(n, target.argument);
        return;
      default:
        return;
    }
  };

  /** A node in a position where an identifier is not a reference (a property key, a label). */
  const nonRef = (n: Node, scope: Scope): void => {
    if (n.type === 'Identifier') checkReserved(n);
    else build(n, scope);
  };

  /** A binding pattern (`decl`: its identifiers are declarations) or an assignment target
   *  (its identifiers are references); defaults and computed keys are expressions. */
  const buildPattern = (p: Node, scope: Scope, decl: boolean): void => {
    switch (p.type) {
      case 'Identifier':
        checkReserved(p);
        if (!decl) reference(p, scope, startOf(p, seq++));
        return;
      case 'ObjectPattern':
        for (const prop of p.properties) {
          if (prop.type === 'RestElement') buildPattern(prop.argument, scope, decl);
          else {
            if (prop.computed) build(prop.key, scope);
            else nonRef(prop.key, scope);
            buildPattern(prop.value, scope, decl);
          }
        }
        return;
      case 'ArrayPattern':
        for (const el of p.elements) if (el) buildPattern(el, scope, decl);
        return;
      case 'AssignmentPattern':
        buildPattern(p.left, scope, decl);
        build(p.right, scope);
        return;
      case 'RestElement':
        buildPattern(p.argument, scope, decl);
        return;
      default:
        build(p, scope);
    }
  };

  /** A function's parameters: references to its own bindings there are native (nativeRefs). */
  const buildParams = (fn: Node, fs: Scope): void => {
    fs.inParams = true;
    for (const p of fn.params) buildPattern(p, fs, true);
    fs.inParams = false;
  };

  /** The head of a for-in/of: a declaration or an assignment target. */
  const buildForHead = (left: Node, scope: Scope): void => {
    if (left.type !== 'VariableDeclaration') return buildPattern(left, scope, false);
    for (const d of left.declarations) {
      buildPattern(d.id, scope, true);
      if (d.init) {
        // `for (var x = 1 in o)` (sloppy mode): the initializer was never resolved.
        unrecordedRefs = true;
        suppress++;
        build(d.init, scope);
        suppress--;
      }
    }
  };
  // Functions that are the initializer of a declarator are marked STORED_AT with the
  // declarator's end: nothing can call one before it is stored (creating it runs no code).
  /** Inside it, references are not recorded. */
  let suppress = 0;
  /** Some code's references were not recorded: a function may be called where no recorded
   *  reference shows it. */
  let unrecordedRefs = false;
  /** The first direct eval() call (refused). */
  let directEval: Node | null = null;
  // Children without a closure per node: the scope goes through a variable.
  let childScope: Scope;
  const buildChild = (c: Node): void => build(c, childScope);
  /** The nodes of a list of children (null entries skipped, as eachChild does). */
  const buildList = (list: (Node | null)[], scope: Scope): void => {
    for (let i = 0; i < list.length; i++) {
      const c = list[i];
      if (c !== null) build(c, scope);
    }
  };
  const buildChildren = (n: Node, scope: Scope): void => {
    const saved = childScope;
    childScope = scope;
    eachChild(n, buildChild);
    childScope = saved;
  };

  const top = newScope('module', program, null, 0);

  // ---- references, resolved during the same walk ------------------------------------------
  // When the walk meets a reference, every scope around it has declared all its bindings
  // (each scope declares its hoisted and lexical names on entry), so it resolves at once.
  const lookup = (scope: Scope | null, name: string): Binding | undefined => {
    for (let s = scope; s; s = s.parent) {
      if (s.bindings === NO_BINDINGS) continue;
      const b = s.bindings.get(name);
      if (b) return b;
    }
    return undefined;
  };

  /** True if going from `from` up to (excluding) its ancestor `to` crosses a unit boundary. */
  const crossesUnit = (from: Scope, to: Scope): boolean => from.nearestUnit !== null && from.nearestUnit.depth > to.depth;

  /** Resolved references, in order: the identifier, the scope it is in, its binding, where it
   *  is (seq). */
  const refIds = marked.refIds;
  const refScopes: Scope[] = [];
  const refBindings: Binding[] = [];
  const refStarts: number[] = [];
  /** `this` / `arguments` nodes kept in a record: the node, the scope it is in, the owner. */
  const lexIds = marked.lexIds;
  const lexScopes: Scope[] = [];
  const lexOwners: Scope[] = [];
  const reference = (id: Node, scope: Scope, at: number): void => {
    if (suppress !== 0) return;
    const b = lookup(scope, id.name);
    if (b) {
      id[REF] = b;
      refIds.push(id);
      refScopes.push(scope);
      refBindings.push(b);
      refStarts.push(at);
      const owner = b.scope;
      if (owner.inParams && scope === owner) {
        // inside the owner's parameter list: evaluated before its record exists
        id[FLAGS] = id[FLAGS] | NATIVE;
        return;
      }
      if (crossesUnit(scope, owner)) b.captured = true;
    } else if (id.name === 'arguments') {
      lexical(id, scope, 'args');
    }
  };

  /** `this` / `arguments` of the nearest non-arrow function, seen from inside arrows. */
  const lexical = (node: Node, scope: Scope, what: 'this' | 'args'): void => {
    if (suppress !== 0) return;
    let s: Scope | null = scope;
    while (s && !(s.kind === 'module' || (s.kind === 'function' && s.node.type !== 'ArrowFunctionExpression'))) s = s.parent;
    if (!s) return;
    if (what === 'args') s.usesArgs = true;
    // A resumable function's body runs inside its step function: its `this` and `arguments`
    // are kept in its frame.
    if (!resumableScopes.has(s)) {
      if (s === scope.varScope) return; // not inside an arrow: native
      if (!crossesUnit(scope, s)) return;
    }
    if (what === 'this') s.thisCaptured = true;
    else s.argsCaptured = true;
    node[LEX] = s;
    lexIds.push(node);
    lexScopes.push(scope);
    lexOwners.push(s);
  };

  build(program, top);
  if (directEval) {
    // Direct eval would run uninstrumented code against the program's scopes, whose
    // captured variables live in records: refuse it rather than run it wrongly.
    throw new CompileError('E_UNSUPPORTED_SYNTAX', "direct eval() cannot be instrumented (its code would not see the program's variables); use indirect eval ((0, eval)(code)) or new Function, whose functions run but cannot be migrated", positionOf(directEval));
  }

  // Every binding of a resumable function (and of the blocks in it, not of nested functions)
  // lives in a record: a suspension keeps no native local.
  for (const s of scopes) {
    if (!resumableScopes.has(s.varScope)) continue;
    for (const b of s.bindings.values()) {
      b.closure = b.captured;
      b.captured = true;
    }
    if (s === s.varScope) s.thisCaptured = true; // the frame always exists
  }

  // ---- pass 2: which records each unit's factory takes ---------------------------------
  // Units first, then resumable members; each list of record ids sorted once complete.
  const envUnits = resumableMembers.length ? [...units, ...resumableMembers] : units;
  for (const u of envUnits) (u[SCOPE] as Scope).envs = [];
  // (A node met twice has two scopes: they share its list.)
  for (const s of scopes) if (s.unit && s.envs === null) s.envs = (s.node[SCOPE] as Scope).envs;
  // Consecutive references often come from one scope and reach one owner: done once.
  let lastFrom: Scope | null = null;
  let lastOwner: Scope | null = null;
  const need = (from: Scope, owner: Scope): void => {
    if (from === lastFrom && owner === lastOwner) return;
    lastFrom = from;
    lastOwner = owner;
    for (let s: Scope | null = from; s && s !== owner; s = s.parent) {
      if (!s.unit) continue;
      const ids = s.envs!;
      if (!ids.includes(owner.id)) ids.push(owner.id);
    }
  };
  for (let i = 0; i < refIds.length; i++) {
    const b = refBindings[i];
    if (b.captured && (refIds[i][FLAGS] & NATIVE) === 0) need(refScopes[i], b.scope);
  }
  for (let i = 0; i < lexIds.length; i++) need(lexScopes[i], lexOwners[i]);

  // Closures in a parameter default that need their own function's record: that record is
  // made at body entry, after the defaults ran. Such defaults (from the first one on) are
  // lowered into the body, after the record: `function f(a, g = () => a)` runs as
  // `function f(a, g = void 0) { <record>; if (g === void 0) g = () => a; ... }` (same length).
  const lowerParams = new Map<Node, number>();
  // Whether a unit in the subtree (the outermost ones) takes record `wanted`.
  let wanted = 0;
  let takes = false;
  const findTaker = (x: Node): void => {
    if (takes) return;
    if ((x[FLAGS] & UNIT) !== 0) takes = (x[SCOPE] as Scope).envs!.includes(wanted);
    else eachChild(x, findTaker);
  };
  for (const u of envUnits) {
    if (!u.params) continue; // classes
    const fs: Scope = u[SCOPE];
    for (let pi = 0; pi < u.params.length && !lowerParams.has(u); pi++) {
      const p = u.params[pi];
      wanted = fs.id;
      takes = false;
      findTaker(p);
      if (!takes) continue;
      for (const q of u.params.slice(pi)) {
        const simple = q.type === 'Identifier' || (q.type === 'AssignmentPattern' && q.left.type === 'Identifier') || (q.type === 'RestElement' && q.argument.type === 'Identifier');
        if (!simple) throw new CompileError('E_UNSUPPORTED_SYNTAX', 'a destructuring parameter after a default whose closure captures a parameter is not supported yet', positionOf(q));
      }
      lowerParams.set(u, pi);
      // The lowered defaults run in the body, after the record: their references are ordinary.
      const forget = (x: Node): void => {
        if ((x[FLAGS] & NATIVE) !== 0) x[FLAGS] &= ~NATIVE;
        eachChild(x, forget);
      };
      for (let q = pi; q < u.params.length; q++) forget(u.params[q]);
    }
  }

  // ---- pass 3: temporal dead zone ---------------------------------------------------------
  // A captured reference is safe when the code containing it can only run after the
  // declaration: its own position (same unit), or the earliest point where the outermost
  // closure on the way can run, is after it. A function expression, arrow or class can run
  // from where it is created, or stored when it is a declarator's initializer; a function
  // declaration from where it can first be called (hoistedRunPoints), or, in a nested
  // block, from the block's start.
  if (!unrecordedRefs) hoistedRunPoints(scopes, refIds, refScopes, refBindings, refStarts);
  const tdzBindings = new Set<Binding>();
  for (let i = 0; i < refIds.length; i++) {
    const id = refIds[i];
    const b = refBindings[i];
    if (!b.captured || b.declEnd === undefined || (id[FLAGS] & NATIVE) !== 0) continue;
    // A switch's cases are entered by a jump, past declarations: a position proves nothing.
    const point = b.scope.kind === 'switch' ? -1 : runPoint(refScopes[i], refStarts[i], b.scope);
    if (point < b.declEnd) {
      id[FLAGS] = id[FLAGS] | TDZ;
      tdzBindings.add(b);
    }
  }

  // The analysis is final: whether each scope has a record.
  for (const s of scopes) s.env = computeHasEnv(s);
  for (const u of envUnits) {
    const ids = (u[SCOPE] as Scope).envs!;
    if (ids.length > 1) sortIds(ids);
  }
  const resumable = new Set<Node>([...resumableScopes].map((s) => s.node));
  return { scopeOf: scopeTable, refs: refTable, decls: declTable, lexicalThis: lexTable, unitEnvs: envsTable, nativeRefs: nativeSet, tdzRefs: tdzSet, tdzBindings, units: unitSet, scopes, lowerParams, resumable };
}

/** Sorts a short list of distinct record ids in place, ascending (as sort((a, b) => a - b),
 *  without the temporary arrays of Array.prototype.sort, for the one or two ids of most units). */
function sortIds(ids: number[]): void {
  for (let i = 1; i < ids.length; i++) {
    const v = ids[i];
    let j = i - 1;
    while (j >= 0 && ids[j] > v) {
      ids[j + 1] = ids[j];
      j--;
    }
    ids[j + 1] = v;
  }
}

/**
 * The earliest position, in the code of `owner` (an ancestor of `from`), from which code at
 * `position` in scope `from` can run: the position itself, unless a closure lies between;
 * then where the outermost such closure can first run.
 */
function runPoint(from: Scope, position: number, owner: Scope): number {
  let point = position;
  for (let s: Scope | null = from; s && s !== owner; s = s.parent) {
    if (!s.unit) continue;
    if (s.node.type !== 'FunctionDeclaration') point = s.node[STORED_AT] ?? s.start;
    else point = s.parent === owner ? (s.hoistedRun ?? s.parent.start) : (s.parent?.start ?? 0);
  }
  return point;
}

/**
 * For each function declaration hoisted to the start of the scope that declares it, the
 * earliest position in that scope's code from which it can run. Its code runs only once a
 * reference to it has been evaluated (nothing else can reach a function before it has been
 * named: direct eval is refused), so: the earliest run point of its references, those inside
 * itself aside; Infinity when nothing refers to it. A `switch` scope is left out: its cases
 * are entered by a jump, past declarations.
 */
function hoistedRunPoints(scopes: Scope[], refIds: Node[], refScopes: Scope[], refBindings: Binding[], refStarts: number[]): void {
  const byBinding = new Map<Binding, Scope>();
  for (const s of scopes) {
    if (!s.unit || s.node.type !== 'FunctionDeclaration' || !s.parent || s.parent.kind === 'switch') continue;
    const b: Binding | undefined = s.node.id?.[DECL];
    if (b === undefined || b.scope !== s.parent) continue;
    s.hoistedRun = Infinity;
    byBinding.set(b, s);
  }
  if (byBinding.size === 0) return;
  const refsOf = new Map<Scope, number[]>();
  for (let i = 0; i < refIds.length; i++) {
    const b = refBindings[i];
    if (b.kind !== 'function') continue; // (byBinding holds only function declarations)
    const fs = byBinding.get(b);
    if (fs === undefined) continue;
    const list = refsOf.get(fs);
    if (list) list.push(i);
    else refsOf.set(fs, [i]);
  }
  // A function's run point can only go down when another's does: repeat until none moves.
  for (let changed = true; changed; ) {
    changed = false;
    for (const [fs, list] of refsOf) {
      let point = fs.hoistedRun!;
      for (const i of list) point = Math.min(point, runPoint(refScopes[i], refStarts[i], fs.parent!));
      if (point < fs.hoistedRun!) {
        fs.hoistedRun = point;
        changed = true;
      }
    }
  }
}
