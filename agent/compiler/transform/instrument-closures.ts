/**
 * The instrument pass: makes every closure rebuildable from (code, environment records).
 *
 * Before:                                   After:
 *   function counter(start) {                 function $tjs_f1($tjs_e0) {        // factory
 *     let n = start;                            const $tjs_t = function counter(start) {
 *     return () => ++n;                           const $tjs_e1 = { n: void 0 };
 *   }                                             $tjs_e1.n = start;
 *                                                 return $tjs_f2($tjs_e1);
 *                                               };
 *                                               new $tjs_K($tjs_t, $tjs_f1);
 *                                               return $tjs_t;
 *                                             }
 *
 * - Captured bindings (see analyze/scope.ts) live in a record `$tjs_e<scope>` created when
 *   their scope is entered (per iteration for loop bodies); every reference becomes a member
 *   access on it. Other locals stay native.
 * - Each unit (function / arrow / method) is hoisted into a module-level factory that takes
 *   exactly the records it needs and tags the closure with [factory, member, ...records].
 *   A snapshot stores that tag; restore calls the factory with the restored records.
 * - Function declarations are created at the top of their scope, like the engine does.
 */
import { CompileError } from '../errors';
import { positionOf } from '../position';
import { PRIVATE_TABLE, RESERVED_PREFIX, names } from '../reserved';
import { hasEnv, patternIdentifiers, type Analysis, type Binding, type Scope } from '../analyze/scope';
import * as b from './builders';
import { childKeys, eachChild, isFunction, isNode, type Node } from '../walk';
import { buildStateMachine, Unsupported, type StateMachine } from './resumable';

export interface InstrumentContext {
  analysis: Analysis;
  /** Factory declarations, in unit-id order. */
  factories: Node[];
  nextUnit: number;
  nextTemp: number;
}

type Out = Node | Node[] | null;

export function instrumentProgram(program: Node, ctx: InstrumentContext): { main: Node[]; directives: Node[] } {
  const { analysis } = ctx;
  currentTdz = analysis.tdzBindings;
  scopeById = analysis.scopes;
  resumableScopes = new Set([...analysis.resumable].map((n) => analysis.scopeOf.get(n)!));
  const top = analysis.scopeOf.get(program)!;
  const directives: Node[] = [];
  const body = [...program.body];
  while (body.length && body[0].type === 'ExpressionStatement' && typeof body[0].directive === 'string') directives.push(body.shift()!);
  const main = statements(body, top, ctx, true);
  return { main, directives };
}

/** The identifier of a scope's record: one node per scope, shared by every place that names
 *  the record (nothing changes an emitted identifier node, and the printer only reads). */
const envIdent = (s: Scope): Node => s.envIdent ?? (s.envIdent = b.id(names.env(s.id)));
const envName = (s: Scope): string => envIdent(s).name;
/** Temporaries' names, made once. */
const TEMP0 = names.temp(0);
const TEMP3 = names.temp(3);
let currentTdz: Set<Binding> = new Set();
/** Scopes of derived-class constructors whose `this` arrows capture. Weak: a long-lived
 *  process (an agent, a host loading modules late) must not keep every compiled tree. */
const derivedCtorScopes = new WeakSet<Scope>();
/** While transforming such a constructor: its record, so `super(...)` also stores `this`. */
let superThisEnv: Scope | null = null;
const tdzBindingsOf = (_s: Scope): Set<Binding> => currentTdz;
/** Resumable (generator) function scopes: the records of their blocks live in their frame. */
let resumableScopes = new Set<Scope>();
let scopeById: Scope[] = [];
const frameOf = (s: Scope): Scope | null => (s.kind !== 'function' && s.kind !== 'module' && resumableScopes.has(s.varScope) ? s.varScope : null);
/** The function whose body is being emitted: a generator's block records are members of
 *  its frame only there (a nested closure receives them as factory parameters). */
let currentFn: Scope | null = null;
const envRef = (s: Scope): Node => {
  const frame = frameOf(s);
  return frame && frame === currentFn ? b.member(envIdent(frame), envName(s)) : envIdent(s);
};
const envArgs = (ids: number[]): Node[] => ids.map((i) => envRef(scopeById[i]));

/**
 * A block scope of a resumable function none of whose bindings a closure reaches needs no
 * record: its bindings are fields of the frame itself (`F.$tjs_e7_x`), set when the scope is
 * entered, with no record made per entry (or per loop iteration: nothing can tell one
 * iteration's binding from the next one's).
 */
function isFlat(s: Scope): boolean {
  if (s.flat !== undefined) return s.flat;
  let flat = s.kind !== 'class' && frameOf(s) !== null && !s.thisCaptured && !s.argsCaptured;
  if (flat) for (const bd of s.bindings.values()) if (bd.closure !== false) flat = false;
  return (s.flat = flat);
}

/** Fields of a resumable function's frame the machine or the runtime use: a binding of the
 *  same name is kept under another (its frame field would be the machine's). */
const MACHINE_FIELD = /^\$(s|tr|rv|pc|err|d|dm|m|v|t\d+)$/;

/** The name of a captured binding's field in its record (or, flat, in its frame). */
function fieldName(bd: Binding): string {
  if (isFlat(bd.scope)) return `${envName(bd.scope)}_${bd.name}`;
  if (resumableScopes.has(bd.scope) && MACHINE_FIELD.test(bd.name)) return `${RESERVED_PREFIX}v${bd.name}`;
  return bd.name;
}

function capturedRef(binding: Binding): Node {
  if (isFlat(binding.scope)) return b.member(envIdent(frameOf(binding.scope)!), fieldName(binding));
  // The key node is made once per binding and shared.
  return b.memberWithKey(envRef(binding.scope), (binding.fieldKey ??= b.memberKey(fieldName(binding))));
}

/** `const $tjs_eN = { a: a, x: void 0, $tjs_this: this }` for a scope entered now. */
function envCreation(scope: Scope, initFromNative: (bd: Binding) => boolean): Node[] {
  if (!hasEnv(scope)) return [];
  const props: Node[] = [];
  for (const bd of scope.bindings.values()) {
    if (!bd.captured) continue;
    const init = initFromNative(bd) ? b.id(bd.name) : scope.kind !== 'for' && tdzBindingsOf(scope).has(bd) ? b.member(b.id(names.runtime), 'T') : b.undef();
    props.push(b.prop(fieldName(bd), init));
  }
  if (isFlat(scope)) return props.map((p) => b.exprStmt(b.assign(b.member(b.id(envName(frameOf(scope)!)), p.key.name), p.value)));
  // In a derived constructor `this` exists only after super(): the record gets it from there.
  if (scope.thisCaptured) props.push(b.prop(names.thisField, derivedCtorScopes.has(scope) ? b.undef() : { type: 'ThisExpression' }));
  if (scope.argsCaptured) props.push(b.prop(names.argsField, b.id('arguments')));
  if (frameOf(scope)) return [b.exprStmt(b.assign(envRef(scope), b.object(props)))];
  return [b.varDecl(scope.kind === 'function' || scope.kind === 'module' ? 'var' : 'const', envName(scope), b.object(props))];
}

/**
 * Transforms a statement list that opens `scope` (a function body, block, program, or a
 * switch's cases when `scope` is the switch scope). Emits the scope's record and its
 * function declarations first.
 */
function statements(list: Node[], scope: Scope, ctx: InstrumentContext, opensScope: boolean, initFromNative: (bd: Binding) => boolean = never, preludeOf: Node | null = null): Node[] {
  let hoisted: Node[] | null = null;
  const out: Node[] = [];
  for (let i = 0; i < list.length; i++) {
    const st = list[i];
    if (st.type === 'FunctionDeclaration') {
      (hoisted ??= []).push(functionDeclarationInit(st, ctx));
      continue;
    }
    const r = statement(st, scope, ctx);
    if (Array.isArray(r)) for (let k = 0; k < r.length; k++) out.push(r[k]);
    else if (r) out.push(r);
  }
  const head = opensScope ? envCreation(scope, initFromNative) : NONE;
  // (After the statements: the prelude's closures are numbered after theirs.)
  const prelude = preludeOf !== null ? functionPrelude(preludeOf, scope, ctx) : NONE;
  if (head.length === 0 && prelude.length === 0 && hoisted === null) return out;
  return [...head, ...prelude, ...(hoisted ?? NONE), ...out];
}

const never = (_bd: Binding): boolean => false;
/** An empty list, never written to. */
const NONE: readonly Node[] = [];

function functionDeclarationInit(fn: Node, ctx: InstrumentContext): Node {
  const binding = ctx.analysis.decls.get(fn.id)!;
  const create = unit(fn, ctx);
  if (binding.captured) return b.exprStmt(b.assign(capturedRef(binding), create));
  return b.varDecl(binding.scope.kind === 'function' || binding.scope.kind === 'module' ? 'var' : 'let', fn.id.name, create);
}

function statement(st: Node, scope: Scope, ctx: InstrumentContext): Out {
  const { analysis } = ctx;
  switch (st.type) {
    case 'VariableDeclaration':
      return declaration(st, ctx);
    case 'BlockStatement': {
      const s = analysis.scopeOf.get(st)!;
      st.body = statements(st.body, s, ctx, true);
      return st;
    }
    case 'ForStatement':
      return forStatement(st, ctx);
    case 'ForInStatement':
    case 'ForOfStatement':
      return forInOf(st, ctx);
    case 'SwitchStatement': {
      const s = analysis.scopeOf.get(st)!;
      st.discriminant = expr(st.discriminant, ctx);
      const inits: Node[] = [];
      for (const c of st.cases) {
        if (c.test) c.test = expr(c.test, ctx);
        const kept: Node[] = [];
        for (const x of c.consequent) {
          if (x.type === 'FunctionDeclaration') inits.push(functionDeclarationInit(x, ctx));
          else {
            const r = statement(x, s, ctx);
            if (Array.isArray(r)) kept.push(...r);
            else if (r) kept.push(r);
          }
        }
        c.consequent = kept;
      }
      const head = [...envCreation(s, () => false), ...inits];
      return head.length ? b.block([...head, st]) : st;
    }
    case 'TryStatement': {
      st.block = statement(st.block, scope, ctx);
      if (st.handler) {
        const h = st.handler;
        const cs = analysis.scopeOf.get(h)!;
        const bodyScope = analysis.scopeOf.get(h.body)!;
        const inner = statements(h.body.body, bodyScope, ctx, true);
        h.body.body = [...envCreation(cs, () => true), ...inner];
      }
      if (st.finalizer) st.finalizer = statement(st.finalizer, scope, ctx);
      return st;
    }
    case 'LabeledStatement': {
      const r = statement(st.body, scope, ctx);
      if (Array.isArray(r)) {
        // Keep the label on the loop itself: the extra statements go before it.
        const last = r.pop()!;
        st.body = last;
        return [...r, st];
      }
      st.body = r ?? { type: 'EmptyStatement' };
      return st;
    }
    case 'IfStatement':
      st.test = expr(st.test, ctx);
      st.consequent = asStatement(statement(st.consequent, scope, ctx));
      if (st.alternate) st.alternate = asStatement(statement(st.alternate, scope, ctx));
      return st;
    case 'WhileStatement':
    case 'DoWhileStatement':
      st.test = expr(st.test, ctx);
      st.body = asStatement(statement(st.body, scope, ctx));
      return st;
    case 'FunctionDeclaration':
      // A function declaration as the body of an if/label (sloppy mode): its own block.
      return b.block([functionDeclarationInit(st, ctx)]);
    case 'ClassDeclaration':
      return classDeclaration(st, ctx);
    default:
      return exprChildren(st, ctx);
  }
}

function asStatement(r: Out): Node {
  if (Array.isArray(r)) return r.length === 1 ? r[0] : b.block(r);
  return r ?? { type: 'EmptyStatement' };
}

/** Rewrites every child of `n` as an expression, in place. */
function exprChildren(n: Node, ctx: InstrumentContext): Node {
  // The most frequent types with their children written out (CHILD_KEYS' order): named
  // reads instead of reads by computed key.
  switch (n.type) {
    case 'Literal':
    case 'ThisExpression':
    case 'EmptyStatement':
    case 'TemplateElement':
      return n;
    case 'ExpressionStatement':
      n.expression = expr(n.expression, ctx);
      return n;
    case 'CallExpression':
    case 'NewExpression':
      n.callee = expr(n.callee, ctx);
      exprList(n.arguments, ctx);
      return n;
    case 'BinaryExpression':
    case 'LogicalExpression':
      n.left = expr(n.left, ctx);
      n.right = expr(n.right, ctx);
      return n;
    case 'ReturnStatement':
    case 'UnaryExpression':
    case 'ThrowStatement':
    case 'SpreadElement':
      if (n.argument) n.argument = expr(n.argument, ctx);
      return n;
    case 'ConditionalExpression':
      n.test = expr(n.test, ctx);
      n.consequent = expr(n.consequent, ctx);
      n.alternate = expr(n.alternate, ctx);
      return n;
    case 'ArrayExpression':
      exprList(n.elements, ctx);
      return n;
    case 'SequenceExpression':
      exprList(n.expressions, ctx);
      return n;
    default:
      break;
  }
  const keys = childKeys(n.type);
  if (keys === undefined) {
    eachChild(n, (c, key, index) => {
      const v = expr(c, ctx);
      if (index >= 0) n[key][index] = v;
      else n[key] = v;
    });
    return n;
  }
  // eachChild's order, without a closure per node.
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k];
    const v = n[key];
    if (typeof v !== 'object' || v === null) continue;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const c = v[i];
        if (typeof c === 'object' && c !== null && typeof c.type === 'string') v[i] = expr(c, ctx);
      }
    } else if (typeof v.type === 'string') {
      n[key] = expr(v, ctx);
    }
  }
  return n;
}

/** Rewrites the nodes of a list of children in place (null entries stay). */
function exprList(list: (Node | null)[], ctx: InstrumentContext): void {
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if (c !== null) list[i] = expr(c, ctx);
  }
}

function classDeclaration(st: Node, ctx: InstrumentContext): Out {
  const binding = ctx.analysis.decls.get(st.id)!;
  if (ctx.analysis.units.has(st)) {
    const create = classUnit(st, ctx);
    if (binding.captured) return b.exprStmt(b.assign(capturedRef(binding), create));
    return b.varDecl('let', st.id.name, create);
  }
  const cls = expr({ ...st, type: 'ClassExpression' }, ctx);
  if (binding.captured) return b.exprStmt(b.assign(capturedRef(binding), cls));
  cls.type = 'ClassDeclaration';
  return cls;
}

/** True if any identifier the pattern declares is captured. */
function anyCaptured(pattern: Node | null, ctx: InstrumentContext): boolean {
  // patternIdentifiers(pattern).some(captured), without the list.
  if (!pattern) return false;
  switch (pattern.type) {
    case 'Identifier':
      return ctx.analysis.decls.get(pattern)?.captured === true;
    case 'ObjectPattern':
      for (const prop of pattern.properties) if (anyCaptured(prop.type === 'RestElement' ? prop.argument : prop.value, ctx)) return true;
      return false;
    case 'ArrayPattern':
      for (const el of pattern.elements) if (anyCaptured(el, ctx)) return true;
      return false;
    case 'AssignmentPattern':
      return anyCaptured(pattern.left, ctx);
    case 'RestElement':
      return anyCaptured(pattern.argument, ctx);
    default:
      return false;
  }
}

/** Rewrites a binding pattern into an assignment target: captured identifiers become
 *  record members; native ones stay identifiers (declared separately by the caller). */
function toAssignTarget(p: Node, ctx: InstrumentContext, natives: Node[]): Node {
  switch (p.type) {
    case 'Identifier': {
      const bd = ctx.analysis.decls.get(p);
      if (bd?.captured) return capturedRef(bd);
      natives.push(b.id(p.name));
      return b.id(p.name);
    }
    case 'ObjectPattern':
      return {
        type: 'ObjectPattern',
        properties: p.properties.map((prop: Node) =>
          prop.type === 'RestElement'
            ? { type: 'RestElement', argument: toAssignTarget(prop.argument, ctx, natives) }
            : { ...prop, shorthand: false, key: prop.computed ? expr(prop.key, ctx) : prop.key.type === 'Identifier' ? b.id(prop.key.name) : prop.key, value: toAssignTarget(prop.value, ctx, natives) },
        ),
      };
    case 'ArrayPattern':
      return { type: 'ArrayPattern', elements: p.elements.map((e: Node | null) => (e ? toAssignTarget(e, ctx, natives) : null)) };
    case 'AssignmentPattern': {
      // The default is transformed first (its units are numbered before the target's).
      const right = named(p.right, nameOf(p.left), ctx);
      return { type: 'AssignmentPattern', left: toAssignTarget(p.left, ctx, natives), right };
    }
    case 'RestElement':
      return { type: 'RestElement', argument: toAssignTarget(p.argument, ctx, natives) };
    default:
      return expr(p, ctx);
  }
}

/** Transforms pattern defaults/computed keys in place (pattern stays a declaration). */
function patternExprs(p: Node | null, ctx: InstrumentContext): void {
  if (!p) return;
  switch (p.type) {
    case 'ObjectPattern':
      for (const prop of p.properties) {
        if (prop.type === 'RestElement') patternExprs(prop.argument, ctx);
        else {
          if (prop.computed) prop.key = expr(prop.key, ctx);
          patternExprs(prop.value, ctx);
        }
      }
      return;
    case 'ArrayPattern':
      for (const e of p.elements) patternExprs(e, ctx);
      return;
    case 'AssignmentPattern':
      patternExprs(p.left, ctx);
      p.right = named(p.right, nameOf(p.left), ctx);
      return;
    case 'RestElement':
      patternExprs(p.argument, ctx);
      return;
    default:
      return;
  }
}

/** A declaration none of whose names is captured, transformed in place. */
function plainDeclaration(st: Node, ctx: InstrumentContext): void {
  for (const d of st.declarations) {
    patternExprs(d.id, ctx);
    if (d.init) d.init = named(d.init, nameOf(d.id), ctx);
  }
}

/** A declaration statement → statements in the same order, captured names assigned into their record. */
function declaration(st: Node, ctx: InstrumentContext): Node[] {
  const kind: 'var' | 'let' | 'const' = st.kind;
  const out: Node[] = [];
  for (const d of st.declarations) {
    const init = d.init ? named(d.init, nameOf(d.id), ctx) : null;
    if (!anyCaptured(d.id, ctx)) {
      patternExprs(d.id, ctx);
      if (st.declarations.length === 1) {
        // The statement itself, as it prints the same as a copy.
        d.init = init;
        out.push(st);
      } else out.push({ type: 'VariableDeclaration', kind, declarations: [{ ...d, init }] });
      continue;
    }
    if (d.id.type === 'Identifier') {
      // `var x;` keeps the old value; `let x;` in a fresh record is already undefined.
      const bd = ctx.analysis.decls.get(d.id)!;
      if (init) out.push(b.exprStmt(b.assign(capturedRef(bd), init)));
      else if (ctx.analysis.tdzBindings.has(bd)) out.push(b.exprStmt(b.assign(capturedRef(bd), b.undef())));
      continue;
    }
    const natives: Node[] = [];
    const target = toAssignTarget(d.id, ctx, natives);
    for (const n of natives) out.push(b.varDecl(kind === 'var' ? 'var' : 'let', n.name, null));
    out.push(b.exprStmt(b.assign(target, init ?? b.undef())));
  }
  return out;
}

function forStatement(st: Node, ctx: InstrumentContext): Out {
  const { analysis } = ctx;
  const s = analysis.scopeOf.get(st);
  const before: Node[] = [];
  const init = st.init;
  let perIteration: Node | null = null;
  if (init && init.type === 'VariableDeclaration') {
    if (init.kind === 'var') {
      if (init.declarations.some((d: Node) => anyCaptured(d.id, ctx))) {
        const exprs: Node[] = [];
        for (const d of init.declarations) {
          const natives: Node[] = [];
          const target = toAssignTarget(d.id, ctx, natives);
          for (const n of natives) before.push(b.varDecl('var', n.name, null));
          if (d.init) exprs.push(b.assign(target, named(d.init, nameOf(d.id), ctx)));
        }
        st.init = exprs.length ? b.seq(exprs) : null;
      } else plainDeclaration(init, ctx);
    } else if (s && hasEnv(s)) {
      // for (let i = 0; ...) with i captured: the record lives in the loop head and is
      // copied before each update, which is exactly the per-iteration binding the spec makes.
      const props: Node[] = [];
      const rest: Node[] = [];
      for (const d of init.declarations) {
        if (d.id.type !== 'Identifier') throw new CompileError('E_UNSUPPORTED_SYNTAX', 'destructuring in a for(;;) head whose variables are captured by closures is not supported yet', positionOf(d));
        const bd = analysis.decls.get(d.id)!;
        if (bd.captured) props.push(b.prop(fieldName(bd), d.init ? named(d.init, bd.name, ctx) : b.undef()));
        else rest.push({ ...d, init: d.init ? named(d.init, bd.name, ctx) : null });
      }
      if (isFlat(s)) {
        // Fields of the frame: nothing to copy per iteration.
        st.init = b.seq(props.map((p) => b.assign(b.member(b.id(envName(frameOf(s)!)), p.key.name), p.value)));
      } else if (frameOf(s)) {
        // In a generator the loop's record lives in the frame (all its names are captured there).
        st.init = b.seq([b.assign(envRef(s), b.object(props)), ...rest.map((d) => b.assign(b.id(d.id.name), d.init ?? b.undef()))]);
      } else st.init = { type: 'VariableDeclaration', kind: 'let', declarations: [{ type: 'VariableDeclarator', id: envRef(s), init: b.object(props) }, ...rest] };
      if (!isFlat(s)) {
        const copy = b.object([...s.bindings.values()].filter((x) => x.captured).map((x) => b.prop(fieldName(x), capturedRef(x))));
        perIteration = b.assign(envRef(s), copy);
      }
    } else {
      plainDeclaration(init, ctx);
    }
  } else if (init) st.init = expr(init, ctx);
  if (st.test) st.test = expr(st.test, ctx);
  if (st.update) st.update = expr(st.update, ctx);
  if (perIteration) st.update = st.update ? b.seq([perIteration, st.update]) : perIteration;
  st.body = asStatement(statement(st.body, s ?? (null as unknown as Scope), ctx));
  return before.length ? [...before, st] : st;
}

function forInOf(st: Node, ctx: InstrumentContext): Out {
  const { analysis } = ctx;
  const s = analysis.scopeOf.get(st);
  st.right = expr(st.right, ctx);
  const left = st.left;
  const before: Node[] = [];
  let bodyHead: Node[] = [];
  if (left.type === 'VariableDeclaration') {
    const d = left.declarations[0];
    if (left.kind === 'var') {
      if (anyCaptured(d.id, ctx)) {
        const natives: Node[] = [];
        st.left = toAssignTarget(d.id, ctx, natives);
        for (const n of natives) before.push(b.varDecl('var', n.name, null));
      } else patternExprs(d.id, ctx);
    } else {
      // The head binding stays native (fresh per iteration); the body copies it into the
      // iteration's record. So do references to it in the head's own defaults
      // (`for (const [a, b = a] of ...)`): the record does not exist yet.
      if (s && hasEnv(s)) nativeInPattern(d.id, s, ctx);
      patternExprs(d.id, ctx);
      if (s && hasEnv(s)) bodyHead = envCreation(s, () => true);
    }
  } else {
    st.left = toAssignTargetExpr(left, ctx);
  }
  let body = asStatement(statement(st.body, s ?? (null as unknown as Scope), ctx));
  if (bodyHead.length) body = body.type === 'BlockStatement' ? { ...body, body: [...bodyHead, ...body.body] } : b.block([...bodyHead, body]);
  st.body = body;
  return before.length ? [...before, st] : st;
}

/** Marks references to `scope`'s bindings in a pattern's defaults and computed keys as
 *  native (not inside nested functions, which reach the bindings through records). */
function nativeInPattern(p: Node, scope: Scope, ctx: InstrumentContext): void {
  const { analysis } = ctx;
  const visit = (n: Node): void => {
    if (isFunction(n) || n.type === 'ClassExpression') return;
    if (n.type === 'Identifier' && analysis.refs.get(n)?.scope === scope) analysis.nativeRefs.add(n);
    eachChild(n, visit);
  };
  const inPattern = (q: Node | null): void => {
    if (!q) return;
    if (q.type === 'AssignmentPattern') {
      inPattern(q.left);
      visit(q.right);
    } else if (q.type === 'ArrayPattern') q.elements.forEach(inPattern);
    else if (q.type === 'ObjectPattern') {
      for (const prop of q.properties) {
        if (prop.type === 'RestElement') inPattern(prop.argument);
        else {
          if (prop.computed) visit(prop.key);
          inPattern(prop.value);
        }
      }
    } else if (q.type === 'RestElement') inPattern(q.argument);
  };
  inPattern(p);
}

/** An assignment target (identifier, member or pattern) in expression position. */
function toAssignTargetExpr(p: Node, ctx: InstrumentContext): Node {
  switch (p.type) {
    case 'ObjectPattern':
      for (const prop of p.properties) {
        if (prop.type === 'RestElement') prop.argument = toAssignTargetExpr(prop.argument, ctx);
        else {
          if (prop.computed) prop.key = expr(prop.key, ctx);
          if (prop.shorthand) {
            prop.shorthand = false;
            prop.key = b.id(prop.key.name);
          }
          prop.value = toAssignTargetExpr(prop.value, ctx);
        }
      }
      return p;
    case 'ArrayPattern':
      p.elements = p.elements.map((e: Node | null) => (e ? toAssignTargetExpr(e, ctx) : null));
      return p;
    case 'AssignmentPattern': {
      const name = nameOf(p.left);
      p.left = toAssignTargetExpr(p.left, ctx);
      p.right = named(p.right, name, ctx);
      return p;
    }
    case 'RestElement':
      p.argument = toAssignTargetExpr(p.argument, ctx);
      return p;
    default:
      return target(p, ctx);
  }
}

/** Expressions: rewrites references, `this`/`arguments` in arrows, and closures. */
function expr(n: Node, ctx: InstrumentContext): Node {
  const { analysis } = ctx;
  switch (n.type) {
    case 'Identifier': {
      const bd = analysis.refs.get(n);
      if (bd && bd.captured && !analysis.nativeRefs.has(n)) {
        // A read that may run before `let`/`const` is initialised throws as the engine would.
        if (analysis.tdzRefs.has(n)) return b.call(b.member(b.id(names.runtime), 'tdz'), [capturedRef(bd), b.literal(bd.name)]);
        return capturedRef(bd);
      }
      // Only `arguments` is kept in a record as an identifier (lexicalThis).
      if (n.name !== 'arguments') return n;
      const lex = analysis.lexicalThis.get(n);
      if (lex) return b.member(envRef(lex), names.argsField);
      return n;
    }
    case 'ThisExpression': {
      const lex = analysis.lexicalThis.get(n);
      return lex ? b.member(envRef(lex), names.thisField) : n;
    }
    case 'FunctionExpression':
    case 'ArrowFunctionExpression':
      if (analysis.units.has(n)) return unit(n, ctx);
      nativeFunction(n, ctx);
      return n;
    case 'MemberExpression':
      n.object = expr(n.object, ctx);
      if (n.computed) n.property = expr(n.property, ctx);
      return n;
    case 'Property': {
      if (n.computed && n.method && analysis.units.has(n.value)) {
        // { [key]() {} } → ...$tjs_rt.cm(key, $tjs_fN, envs): the factory takes the key too.
        const key = expr(n.key, ctx);
        const create = unit(n.value, ctx, null as unknown as Node, undefined, undefined, true);
        return { type: 'SpreadElement', argument: b.call(b.member(b.id(names.runtime), 'cm'), [key, create.callee, ...create.arguments]) };
      }
      if (n.computed) n.key = expr(n.key, ctx);
      if (n.shorthand) {
        const v = expr(n.value, ctx);
        if (v !== n.value) {
          n.shorthand = false;
          n.key = b.id(n.key.name);
        }
        n.value = v;
        return n;
      }
      if (n.method && analysis.units.has(n.value)) {
        // A method: a unit whose factory builds it as a method (no prototype, not constructible).
        n.value = unit(n.value, ctx, n.key);
        n.method = false;
        return n;
      }
      n.value = named(n.value, keyName(n), ctx);
      return n;
    }
    case 'AssignmentPattern':
      return toAssignTargetExpr(n, ctx);
    case 'ObjectExpression':
      return objectExpression(n, ctx);
    case 'UpdateExpression':
      if (isCapturedConst(n.argument, ctx)) return constAssign(n.argument, null);
      n.argument = target(n.argument, ctx);
      return n;
    case 'AssignmentExpression':
      if (isCapturedConst(n.left, ctx)) return constAssign(n.left, expr(n.right, ctx));
      if (n.left.type === 'Identifier' && (n.operator === '=' || n.operator === '||=' || n.operator === '&&=' || n.operator === '??=')) {
        const left = target(n.left, ctx);
        n.right = named(n.right, n.left.name, ctx);
        n.left = left;
        return n;
      }
      n.left = n.left.type === 'ObjectPattern' || n.left.type === 'ArrayPattern' ? toAssignTargetExpr(n.left, ctx) : target(n.left, ctx);
      n.right = expr(n.right, ctx);
      return n;
    case 'ClassExpression':
    case 'ClassDeclaration':
      if (analysis.units.has(n)) return classUnit(n, ctx);
      nativeClass(n, ctx);
      return n;
    case 'CallExpression':
      if (n.callee.type === 'Super' && superThisEnv) {
        n.arguments = n.arguments.map((a: Node) => expr(a, ctx));
        return b.assign(b.member(envRef(superThisEnv), names.thisField), n);
      }
      return unboundCall(n, 'callee', ctx);
    case 'TaggedTemplateExpression':
      return unboundCall(n, 'tag', ctx);
    case 'MetaProperty':
      return n;
    default:
      break;
  }
  return exprChildren(n, ctx);
}

/** A call of a plain name: a captured one is read from its record, and called as
 *  `(0, $tjs_eN.f)()` so that `this` is not the record. */
function unboundCall(n: Node, calleeKey: 'callee' | 'tag', ctx: InstrumentContext): Node {
  const named = n[calleeKey].type === 'Identifier';
  exprChildren(n, ctx);
  if (named && n[calleeKey].type === 'MemberExpression') n[calleeKey] = b.seq([b.literal(0), n[calleeKey]]);
  return n;
}

/**
 * Object literals with accessors: the literal keeps a placeholder where each accessor stands
 * (so property order is kept) and the runtime installs the getter/setter units afterwards.
 *   { a: 1, get x() {...} }  →  $tjs_rt.acc({ a: 1, x: void 0 }, "x", $tjs_f3(...), void 0)
 */
function objectExpression(n: Node, ctx: InstrumentContext): Node {
  const list: Node[] = n.properties;
  // Until the first accessor, the properties are rewritten in place; from there on into a
  // new list (accessors of one key share a placeholder).
  let accessors: Map<string, { get?: Node; set?: Node }> | null = null;
  let props: Node[] | null = null;
  for (let i = 0; i < list.length; i++) {
    const p = list[i];
    if (p.type === 'Property' && (p.kind === 'get' || p.kind === 'set') && ctx.analysis.units.has(p.value)) {
      if (accessors === null || props === null) {
        accessors = new Map();
        props = list.slice(0, i);
      }
      const key = p.key.type === 'Identifier' ? p.key.name : String(p.key.value);
      let entry = accessors.get(key);
      if (!entry) {
        entry = {};
        accessors.set(key, entry);
        props.push(b.prop(key, b.undef()));
      }
      entry[p.kind as 'get' | 'set'] = unit(p.value, ctx, p.key, p.kind);
      continue;
    }
    const v = expr(p, ctx);
    if (props === null) list[i] = v;
    else props.push(v);
  }
  if (accessors === null || props === null) return n;
  n.properties = props;
  const args: Node[] = [n];
  for (const [key, { get, set }] of accessors) args.push(b.literal(key), get ?? b.undef(), set ?? b.undef());
  return b.call(b.member(b.id(names.runtime), 'acc'), args);
}

/** An assignment target: like expr(), but a write never goes through the TDZ read check. */
function target(n: Node, ctx: InstrumentContext): Node {
  if (n.type !== 'Identifier') return expr(n, ctx);
  const bd = ctx.analysis.refs.get(n);
  if (bd && bd.captured && !ctx.analysis.nativeRefs.has(n)) return capturedRef(bd);
  return n;
}

/** Assigning to a `const` that lives in a record: the TypeError the engine would throw. */
function isCapturedConst(target: Node, ctx: InstrumentContext): boolean {
  if (target.type !== 'Identifier') return false;
  const bd = ctx.analysis.refs.get(target);
  return !!bd && bd.captured && bd.kind === 'const' && !ctx.analysis.nativeRefs.has(target);
}
function constAssign(target: Node, value: Node | null): Node {
  return b.call(b.member(b.id(names.runtime), 'constAssign'), value ? [b.literal(target.name), value] : [b.literal(target.name)]);
}

/** Functions left native (inside class bodies, super-using methods): only their references change. */
function nativeFunction(fn: Node, ctx: InstrumentContext): void {
  if (!ctx.analysis.scopeOf.get(fn)) throw new Error("no scope for " + fn.type + " at " + JSON.stringify(positionOf(fn)));
  const fs = ctx.analysis.scopeOf.get(fn)!;
  for (const p of fn.params) patternExprs(p, ctx);
  if (fn.body.type === 'BlockStatement') {
    fn.body.body = functionBody(fn, fs, ctx);
  } else {
    fn.body = expr(fn.body, ctx);
  }
}

function nativeClass(cls: Node, ctx: InstrumentContext): void {
  if (cls.superClass) cls.superClass = expr(cls.superClass, ctx);
  for (const el of cls.body.body) {
    if (el.computed) el.key = expr(el.key, ctx);
    if (el.type === 'StaticBlock') {
      const fs = ctx.analysis.scopeOf.get(el)!;
      el.body = statements(el.body, fs, ctx, true);
    } else if (el.value) {
      el.value = expr(el.value, ctx);
    }
  }
}

/**
 * A class as one unit. Its factory re-creates the whole class; on restore it runs with the
 * runtime's `st.r` flag set, so static blocks and static initializers do not run again (the
 * statics come from the snapshot). Instances with private state are rebuilt by constructing
 * the class with `st.s` ("stamping") set: each constructor returns at once (after `super()`)
 * and field initializers are skipped, so only the private brand and slots are created; the
 * values come from the snapshot through a reflector the class registers with the runtime.
 *
 *   class A extends B { #n = 0; inc() { return ++this.#n; } }
 * →
 *   function $tjs_f3($tjs_t1) {
 *     const A = class A extends $tjs_t1 {
 *       #n = $tjs_rt.st.s ? void 0 : 0;
 *       inc() { return ++this.#n; }
 *       static { $tjs_rt.cls(this, { has: o => #n in o, get: o => [o.#n], set: (o, v) => { o.#n = v[0]; } }); }
 *     };
 *     new $tjs_K(A, [$tjs_f3, -2]);
 *     $tjs_rt.members(A, [[0, "inc", "m"]]);
 *     return A;
 *   }
 *   let A = $tjs_f3(B);
 */
function classUnit(cls: Node, ctx: InstrumentContext, inferredName?: string): Node {
  const { analysis } = ctx;
  const envs = analysis.unitEnvs.get(cls)!;
  const unitId = ++ctx.nextUnit;
  const factoryName = names.factory(unitId);
  const rt = b.id(names.runtime);
  const flag = (f: 'r' | 's'): Node => b.member(b.member(rt, 'st'), f);
  const heritageParam = names.temp(1);
  const heritage = cls.superClass ? expr(cls.superClass, ctx) : null;
  if (heritage) cls.superClass = b.id(heritageParam);

  const table: Node[] = [];
  const privInstance: string[] = [];
  const privStatic: string[] = [];
  let brand: string | null = null;
  const siteKeys: Node[] = [];
  const keysParam = names.temp(2);
  let ctor: Node | null = null;

  for (const el of cls.body.body) {
    if (el.type === 'StaticBlock') {
      const fs = analysis.scopeOf.get(el)!;
      el.body = [{ type: 'IfStatement', test: { type: 'UnaryExpression', operator: '!', prefix: true, argument: flag('r') }, consequent: b.block(statements(el.body, fs, ctx, true)), alternate: null }];
      continue;
    }
    const isPrivate = el.key.type === 'PrivateIdentifier';
    let keyValue: Node | null = null;
    if (isPrivate) {
      if (el.type === 'PropertyDefinition') (el.static ? privStatic : privInstance).push(el.key.name);
      if (!el.static && !brand) brand = el.key.name;
    } else if (el.computed) {
      // Evaluated where the class is defined and handed to the factory (a snapshot keeps the
      // values: the factory runs again on restore without evaluating them).
      siteKeys.push(expr(el.key, ctx));
      el.key = b.computedMember(b.id(keysParam), b.literal(siteKeys.length - 1));
      keyValue = b.computedMember(b.id(keysParam), b.literal(siteKeys.length - 1));
    } else {
      keyValue = b.literal(el.key.type === 'Identifier' ? el.key.name : String(el.key.value));
    }

    if (el.type === 'MethodDefinition') {
      const fn = el.value;
      const fs = analysis.scopeOf.get(fn)!;
      if (el.kind === 'constructor') {
        ctor = el;
        const derived = !!heritage;
        if (derived && fs.thisCaptured) derivedCtorScopes.add(fs);
        const saved = superThisEnv;
        superThisEnv = derived && fs.thisCaptured ? fs : null;
        for (const p of fn.params) patternExprs(p, ctx);
        const body = functionBody(fn, fs, ctx);
        superThisEnv = saved;
        fn.body.body = [stampGuard(derived, flag('s')), ...body];
      } else {
        if (analysis.resumable.has(fn)) resumableMember(fn, ctx);
        else nativeFunction(fn, ctx);
        if (!isPrivate) table.push(b.array([b.literal(el.static ? 1 : 0), keyValue!, b.literal(el.kind === 'get' ? 'g' : el.kind === 'set' ? 's' : 'm')]));
      }
    } else if (el.type === 'PropertyDefinition' && el.value) {
      const fs = analysis.scopeOf.get(el)!;
      const name = isPrivate ? `#${el.key.name}` : keyValue && keyValue.type === 'Literal' ? String(keyValue.value) : undefined;
      let v = named(el.value, name, ctx);
      if (hasEnv(fs)) {
        // A field initializer whose arrows capture `this`: its record, made per evaluation.
        const envDecl = envCreation(fs, () => false)[0];
        v = b.call({ type: 'ArrowFunctionExpression', params: [envRef(fs)], body: v, expression: true, async: false, generator: false }, [envDecl.declarations[0].init]);
      }
      el.value = { type: 'ConditionalExpression', test: flag(el.static ? 'r' : 's'), consequent: b.undef(), alternate: v };
    }
  }
  // The class's own name, captured by a closure inside it: a record made by the factory and
  // filled before any static code runs (where the engine initialises the inner binding).
  const cs = analysis.scopeOf.get(cls)!;
  const classEnv: Node[] = [];
  if (cls.id && hasEnv(cs)) {
    classEnv.push(b.varDecl('const', envName(cs), b.object([b.prop(cls.id.name, b.member(rt, 'T'))])));
    cls.body.body.unshift({ type: 'StaticBlock', body: [b.exprStmt(b.assign(b.member(b.id(envName(cs)), cls.id.name), { type: 'ThisExpression' }))] });
  }

  const privateTable = !!cls[PRIVATE_TABLE];
  if (privInstance.length || privStatic.length || brand || privateTable) {
    const o = b.id('o');
    const v = b.id('v');
    const priv = (obj: Node, name: string): Node => ({ type: 'MemberExpression', object: obj, property: { type: 'PrivateIdentifier', name }, computed: false, optional: false });
    const arrow = (params: Node[], body: Node): Node => ({ type: 'ArrowFunctionExpression', params, body, expression: body.type !== 'BlockStatement', async: false, generator: false });
    const setter = (list: string[]): Node => b.block(list.map((n, i) => b.exprStmt(b.assign(priv(o, n), b.computedMember(v, b.literal(i))))));
    const reflector = b.object([
      b.prop('has', arrow([o], brand ? { type: 'BinaryExpression', operator: 'in', left: { type: 'PrivateIdentifier', name: brand }, right: o } : b.literal(false))),
      b.prop('get', arrow([o], b.array(privInstance.map((n) => priv(o, n))))),
      b.prop('set', arrow([o, v], setter(privInstance))),
      b.prop('sget', arrow([o], b.array(privStatic.map((n) => priv(o, n))))),
      b.prop('sset', arrow([o, v], setter(privStatic))),
    ]);
    if (privateTable) {
      // Every private name, for async and generator methods whose steps run outside the
      // class body (normalize/lower-member-private-super.ts): [get, set, has, call].
      const a = b.id('a');
      const all = [...new Set<string>(cls.body.body.filter((el: Node) => el.key?.type === 'PrivateIdentifier').map((el: Node) => el.key.name))];
      const entries = all.map((n) =>
        b.prop(
          n,
          b.array([
            arrow([o], priv(o, n)),
            arrow([o, v], b.block([b.exprStmt(b.assign(priv(o, n), v))])),
            arrow([o], { type: 'BinaryExpression', operator: 'in', left: { type: 'PrivateIdentifier', name: n }, right: o }),
            arrow([o, { type: 'RestElement', argument: a }], b.call(priv(o, n), [{ type: 'SpreadElement', argument: a }])),
          ]),
        ),
      );
      reflector.properties.push(b.prop('p', b.object(entries)));
    }
    cls.body.body.push({ type: 'StaticBlock', body: [b.exprStmt(b.call(b.member(rt, 'cls'), [{ type: 'ThisExpression' }, reflector]))] });
  }

  let t = names.temp(0);
  let value: Node = { ...cls, type: 'ClassExpression' };
  if (!cls.id) {
    if (inferredName === undefined) value = b.seq([b.literal(0), value]);
    else if (isPlainName(inferredName) && !usesFreeName(cls, inferredName, ctx)) t = inferredName;
    else value = b.computedMember(b.object([b.prop(inferredName, value)]), b.literal(inferredName));
  }
  const envIds = envs.map((e) => names.env(e));
  const withKeys = siteKeys.length ? [...envIds, keysParam] : envIds;
  const params = heritage ? [...withKeys, heritageParam] : withKeys;
  ctx.factories.push(
    b.fnDecl(factoryName, params, [
      ...classEnv,
      b.varDecl('const', t, value),
      heritage ? b.exprStmt({ type: 'NewExpression', callee: b.id(names.otherTag), arguments: [b.id(t), b.array([b.id(factoryName), b.literal(-2), ...withKeys.map(b.id)])] }) : stamp(t, factoryName, withKeys, names.otherTag),
      b.exprStmt(b.call(b.member(rt, 'members'), [b.id(t), b.array(table)])),
      b.ret(b.id(t)),
    ]),
  );
  const siteArgs = siteKeys.length ? [...envArgs(envs), b.array(siteKeys)] : envArgs(envs);
  return b.call(b.id(factoryName), heritage ? [...siteArgs, heritage] : siteArgs);
}

/** An async or generator class method: stays in the class, its body becomes a state
 *  machine whose step function is a unit (see resumableBody). */
function resumableMember(fn: Node, ctx: InstrumentContext): void {
  const { analysis } = ctx;
  const fs = analysis.scopeOf.get(fn)!;
  const lowered = analysis.lowerParams.get(fn);
  fn.params.forEach((p: Node, i: number) => {
    if (lowered === undefined || i < lowered) patternExprs(p, ctx);
  });
  const savedFn = currentFn;
  currentFn = fs;
  fn.body.body = resumableBody(fn, fs, analysis.unitEnvs.get(fn)!, ctx);
  currentFn = savedFn;
}

/** Stamps closure `t` of factory `factoryName` (member -1) with its record [factory, -1,
 *  ...params]: `new K(t, factory, ...params)` for up to two (no record array: runtime
 *  ClosureTag), the array otherwise. `tag` is the stamping class for the
 *  function's kind (tagFor). */
function stamp(t: string, factoryName: string, params: string[], tag: string): Node {
  const args = params.length <= 2 ? [b.id(t), b.id(factoryName), ...params.map(b.id)] : [b.id(t), b.array([b.id(factoryName), b.literal(-1), ...params.map(b.id)])];
  return b.exprStmt({ type: 'NewExpression', callee: b.id(tag), arguments: args });
}

/** The stamping class for a function (runtime ClosureTag): one per kind of hidden class the
 *  engine gives it, so that each class's field stores stay fast. Arrows, methods and
 *  accessors share one; functions with a prototype another; classes (one hidden class
 *  each) and async or generator functions left native the third. */
function tagFor(fn: Node): string {
  if (fn.type === 'ClassDeclaration' || fn.type === 'ClassExpression' || fn.async || fn.generator) return names.otherTag;
  return fn.type === 'ArrowFunctionExpression' || fn.method || fn.kind === 'get' || fn.kind === 'set' ? names.metaKey : names.functionTag;
}

/** First statement of every class constructor: under `st.s` only the brand is made. */
function stampGuard(derived: boolean, stamping: Node): Node {
  const ret = b.ret(null);
  const consequent = derived ? b.block([b.exprStmt(b.call({ type: 'Super' }, [])), ret]) : ret;
  return { type: 'IfStatement', test: stamping, consequent, alternate: null };
}

function functionBody(fn: Node, fs: Scope, ctx: InstrumentContext): Node[] {
  const list: Node[] = fn.body.body;
  let i = 0;
  while (i < list.length && list[i].type === 'ExpressionStatement' && typeof list[i].directive === 'string') i++;
  // The directives stay first.
  if (i === 0) return statements(list, fs, ctx, true, isSelf, fn);
  return [...list.slice(0, i), ...statements(list.slice(i), fs, ctx, true, isSelf, fn)];
}

/** A function's parameters and its name start in its record with their native values. */
const isSelf = (bd: Binding): boolean => bd.kind === 'param' || bd.kind === 'fname';

/** What a function's body runs after its record: mapped arguments, lowered defaults. */
function functionPrelude(fn: Node, fs: Scope, ctx: InstrumentContext): readonly Node[] {
  const mapped = mappedArguments(fn, fs, ctx);
  const lowered = lowerDefaults(fn, ctx);
  if (mapped.length === 0) return lowered;
  return lowered.length === 0 ? mapped : [...mapped, ...lowered];
}

/**
 * A sloppy-mode function's `arguments` is mapped to its parameters: writing one changes the
 * other. A parameter moved into a record would lose that, so its record field becomes an
 * accessor over the arguments object (runtime `margs`; only for arguments actually passed,
 * as in the engine).
 */
function mappedArguments(fn: Node, fs: Scope, ctx: InstrumentContext): Node[] {
  if (fn.type === 'ArrowFunctionExpression' || fs.strict || !fs.usesArgs || !fn.params.every((p: Node) => p.type === 'Identifier')) return [];
  const bindings = fn.params.map((p: Node) => ctx.analysis.decls.get(p));
  if (!bindings.some((bd: Binding | undefined) => bd?.captured)) return [];
  const list = b.array(bindings.map((bd: Binding | undefined) => (bd?.captured ? b.literal(fieldName(bd)) : b.literal(0))));
  return [b.exprStmt(b.call(b.member(b.id(names.runtime), 'margs'), [envRef(fs), b.id('arguments'), list]))];
}

/**
 * A generator's body as a state machine: the function itself makes its frame (parameters,
 * `this`, `arguments`, the machine's fields, and the records the body reaches from outside)
 * and returns a runtime Generator driving the step function with it. The step is a unit of
 * its own without records (made once, it takes the frame and reads the outer records from
 * it). Constructs the machine does not handle leave the generator native.
 */
function resumableBody(fn: Node, fs: Scope, envs: number[], ctx: InstrumentContext): Node[] {
  const list: Node[] = fn.body.body;
  const directives: Node[] = [];
  let i = 0;
  while (i < list.length && list[i].type === 'ExpressionStatement' && typeof list[i].directive === 'string') directives.push(list[i++]);
  const creation = envCreation(fs, isSelf);
  const head = [...directives, ...creation, ...mappedArguments(fn, fs, ctx), ...lowerDefaults(fn, ctx)];
  const rest = statements(list.slice(i), fs, ctx, false);
  const frame = envName(fs);
  const outer = envs.map((e) => names.env(e));
  const literal = creation[0].declarations[0].init;
  let machine: StateMachine;
  try {
    const frameKeys = new Set<string>([...literal.properties.map((p: Node) => p.key.name ?? p.key.value), ...outer]);
    machine = buildStateMachine(rest, { frame, frameKeys, rt: (n) => b.member(b.id(names.runtime), n), asyncGenerator: fn.async && fn.generator });
  } catch (err) {
    if (err instanceof Unsupported) return [...head, ...rest];
    throw err;
  }
  literal.properties.push(...outer.map((e) => b.prop(e, b.id(e))), ...machine.frameFields);
  const stepId = ++ctx.nextUnit;
  const stepName = names.factory(stepId);
  const t = names.temp(0);
  const loadOuter = outer.map((e) => b.varDecl('const', e, b.member(b.id(frame), e)));
  ctx.factories.push(
    b.fnDecl(stepName, [], [
      b.varDecl('const', t, { type: 'FunctionExpression', id: null, params: [b.id(frame)], body: b.block([...directives, ...loadOuter, ...machine.body]), async: false, generator: false }),
      stamp(t, stepName, [], names.functionTag),
      b.ret(b.id(t)),
    ]),
  );
  const driver = fn.async && fn.generator ? 'asyncGenerator' : fn.async ? 'asyncCall' : 'generator';
  fn.generator = false;
  fn.async = false;
  return [...head, b.ret(b.call(b.member(b.id(names.runtime), driver), [b.id(stepName), b.id(frame)]))];
}

/** Parameter defaults moved into the body (see analyze: lowerParams), in parameter order. */
function lowerDefaults(fn: Node, ctx: InstrumentContext): Node[] {
  const from = ctx.analysis.lowerParams.get(fn);
  if (from === undefined) return [];
  const out: Node[] = [];
  for (let i = from; i < fn.params.length; i++) {
    const p = fn.params[i];
    if (p.type !== 'AssignmentPattern') continue;
    const name: string = p.left.name;
    const bd = ctx.analysis.decls.get(p.left)!;
    const value = named(p.right, name, ctx);
    p.right = b.undef(); // keeps the function's length
    const test = { type: 'BinaryExpression', operator: '===', left: b.id(name), right: b.undef() };
    out.push({ type: 'IfStatement', test, consequent: b.exprStmt(b.assign(bd.captured ? capturedRef(bd) : b.id(name), value)), alternate: null });
  }
  return out;
}

/**
 * Hoists a unit into a factory and returns the expression that creates the closure at the
 * original site: `$tjs_fN($tjs_eA, $tjs_eB)`.
 */
function unit(fn: Node, ctx: InstrumentContext, methodKey?: Node, accessor?: 'get' | 'set', inferredName?: string, computedKey = false): Node {
  const { analysis } = ctx;
  const fs = analysis.scopeOf.get(fn)!;
  const envs = analysis.unitEnvs.get(fn)!;
  const unitId = ++ctx.nextUnit;
  const factoryName = names.factory(unitId);

  const lowered = analysis.lowerParams.get(fn);
  const params: Node[] = fn.params;
  for (let i = 0; i < params.length; i++) if (lowered === undefined || i < lowered) patternExprs(params[i], ctx);
  if (fn.body.type !== 'BlockStatement' && (lowered !== undefined || analysis.resumable.has(fn))) {
    fn.body = b.block([b.ret(fn.body)]);
    fn.expression = false;
  }
  const savedFn = currentFn;
  currentFn = fs;
  if (fn.body.type === 'BlockStatement') {
    fn.body.body = analysis.resumable.has(fn) ? resumableBody(fn, fs, envs, ctx) : functionBody(fn, fs, ctx);
  } else if (hasEnv(fs)) {
    // An arrow with an expression body whose own bindings are captured needs a block.
    const e = expr(fn.body, ctx);
    fn.body = b.block([...envCreation(fs, (bd) => bd.kind === 'param'), b.ret(e)]);
    fn.expression = false;
  } else {
    fn.body = expr(fn.body, ctx);
  }
  currentFn = savedFn;

  let value: Node;
  const keyParam = TEMP3;
  if (computedKey) {
    // ({ [k](...) {...} })[k] — a genuine method under a key known only at run time.
    value = b.computedMember(b.object([{ type: 'Property', key: b.id(keyParam), value: { ...fn, type: 'FunctionExpression', id: null }, kind: 'init', method: true, shorthand: false, computed: true }]), b.id(keyParam));
  } else if (methodKey && accessor) {
    // Object.getOwnPropertyDescriptor({ get key() {...} }, "key").get — a genuine accessor.
    const keyName = methodKey.type === 'Identifier' ? methodKey.name : String(methodKey.value);
    const holder = b.object([{ type: 'Property', key: methodKey, value: { ...fn, type: 'FunctionExpression', id: null }, kind: accessor, method: false, shorthand: false, computed: false }]);
    value = b.member(b.call(b.member(b.id('Object'), 'getOwnPropertyDescriptor'), [holder, b.literal(keyName)]), accessor);
  } else if (methodKey) {
    // ({ key(...) {...} }).key — a genuine method.
    const keyName = methodKey.type === 'Identifier' ? methodKey.name : String(methodKey.value);
    value = b.member(b.object([{ type: 'Property', key: methodKey, value: { ...fn, type: 'FunctionExpression', id: null }, kind: 'init', method: true, shorthand: false, computed: false }]), keyName);
  } else {
    // A declaration becomes the expression in its factory: the node itself (nothing reads the
    // declaration afterwards; tagFor treats both types alike), not a copy of it.
    if (fn.type === 'FunctionDeclaration') fn.type = 'FunctionExpression';
    value = fn;
  }
  // The closure's `name` must be what the engine would have inferred at the original site.
  let t = TEMP0;
  if (!methodKey && !computedKey && !fn.id) {
    if (inferredName === undefined) {
      value = b.seq([b.literal(0), value]); // (0, () => ...): no name is inferred
    } else if (isPlainName(inferredName) && !usesFreeName(fn, inferredName, ctx)) {
      t = inferredName; // const inc = () => ...: named "inc"
    } else {
      value = b.computedMember(b.object([b.prop(inferredName, value)]), b.literal(inferredName)); // ({ "a b": () => ... })["a b"]
    }
  }
  const envIds = envs.map((e) => envName(scopeById[e]));
  const factoryParams = computedKey ? [...envIds, keyParam] : envIds;
  ctx.factories.push(
    b.fnDecl(factoryName, factoryParams, [
      b.varDecl('const', t, value),
      // The tag is a private field stamped on the closure: invisible to the program.
      stamp(t, factoryName, factoryParams, methodKey || computedKey ? (fn.async || fn.generator ? names.otherTag : names.metaKey) : tagFor(fn)),
      b.ret(b.id(t)),
    ]),
  );
  return b.call(b.id(factoryName), envArgs(envs));
}

const RESERVED_WORDS = new Set(
  'break case catch class const continue debugger default delete do else export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with yield let static implements interface package private protected public await enum arguments eval undefined NaN Infinity'.split(' '),
);

function isPlainName(name: string): boolean {
  return /^[A-Za-z_$][\w$]*$/.test(name) && !RESERVED_WORDS.has(name) && !name.startsWith(names.runtime.slice(0, 5));
}

/** True if the function refers to a global (unbound) `name`, which a local of that name in
 *  the factory would shadow. */
function usesFreeName(fn: Node, name: string, ctx: InstrumentContext): boolean {
  let found = false;
  const visit = (n: Node): void => {
    if (found) return;
    if (n.type === 'Identifier' && n.name === name && !ctx.analysis.refs.has(n) && !ctx.analysis.decls.has(n)) found = true;
    eachChild(n, visit);
  };
  visit(fn);
  return found;
}

/** An expression in a position where an anonymous function gets `name` (a declarator, an
 *  assignment to an identifier, a property, a default). */
function named(n: Node, name: string | undefined, ctx: InstrumentContext): Node {
  if (name !== undefined && (n.type === 'ArrowFunctionExpression' || (n.type === 'FunctionExpression' && !n.id)) && ctx.analysis.units.has(n)) {
    return unit(n, ctx, undefined, undefined, name);
  }
  if (name !== undefined && n.type === 'ClassExpression' && !n.id && ctx.analysis.units.has(n)) return classUnit(n, ctx, name);
  return expr(n, ctx);
}

const nameOf = (id: Node): string | undefined => (id.type === 'Identifier' ? id.name : undefined);
const keyName = (p: Node): string | undefined =>
  p.computed ? undefined : p.key.type === 'Identifier' ? p.key.name : p.key.type === 'Literal' && (typeof p.key.value === 'string' || typeof p.key.value === 'number') ? String(p.key.value) : undefined;

export { isNode };
