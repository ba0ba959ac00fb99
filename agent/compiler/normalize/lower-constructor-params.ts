/**
 * Normalize pass (before scope analysis): class constructors whose parameters are not all
 * plain names take placeholder parameters and bind the real ones in the body.
 *
 * A restore rebuilds instances with private state by constructing their class in stamping
 * mode with no arguments (see classUnit in ../transform/instrument-closures.ts): the
 * constructor must return before it does anything. Parameters are bound before the body
 * runs, so a destructuring parameter would throw on the missing argument and a default
 * would run its side effects (`id = nextId++`) during the restore. Moved into the body, they
 * come after the stamping guard.
 *
 * Before:                                      After:
 *   constructor({ name }, n = next(), ...r) {    constructor($tjs_p0, ...$tjs_pr) {
 *     body                                         let [{ name }, n = next(), ...r] = [$tjs_p0, ...$tjs_pr];
 *   }                                              body
 *                                                }
 *
 * The placeholders keep the constructor's `length` (parameters before the first default or
 * rest). Defaults and patterns behave as in a parameter list (left to right, each seeing the
 * ones before it; a later one read early is a ReferenceError). `var` replaces `let` when the
 * body declares a `var` or function of the same name, as a parameter list allows.
 */
import { patternIdentifiers } from '../analyze/scope';
import { GENERATED, RESERVED_PREFIX } from '../reserved';
import { eachChild, isFunction, type Node } from '../walk';

export function lowerConstructorParams(program: Node): void {
  visit(program);
}

function visit(n: Node): void {
  if (n.type === 'MethodDefinition' && n.kind === 'constructor') lower(n.value);
  eachChild(n, visit);
}

function isPlain(p: Node): boolean {
  return p.type === 'Identifier' || (p.type === 'RestElement' && p.argument.type === 'Identifier');
}

/** A constructor (its function node) that this pass changes. */
export function needsLowering(fn: Node): boolean {
  return !fn.params.every(isPlain);
}

/** Lowers one constructor (normalize/index.ts finds them). */
export function lowerConstructor(fn: Node): void {
  lower(fn);
}

function lower(fn: Node): void {
  if (fn.params.every(isPlain)) return;
  const pos = { start: fn.params[0].start, end: fn.params[fn.params.length - 1].end, loc: fn.params[0].loc };
  const gen = (name: string): Node => ({ type: 'Identifier', name, [GENERATED]: true, ...pos });
  const counted = fn.params.findIndex((p: Node) => p.type === 'AssignmentPattern' || p.type === 'RestElement');
  const simple = counted === -1 ? fn.params.length : counted;
  const placeholders: Node[] = [];
  for (let i = 0; i < simple; i++) placeholders.push(gen(`${RESERVED_PREFIX}p${i}`));
  const rest = gen(`${RESERVED_PREFIX}pr`);
  const values: Node[] = [...placeholders.map((p) => ({ ...p })), { type: 'SpreadElement', argument: { ...rest }, ...pos }];
  const bound = new Set<string>(fn.params.flatMap((p: Node) => patternIdentifiers(p).map((id: Node) => id.name)));
  const kind = bodyVarNames(fn.body).some((x) => bound.has(x)) ? 'var' : 'let';
  const decl: Node = {
    type: 'VariableDeclaration',
    kind,
    declarations: [{ type: 'VariableDeclarator', id: { type: 'ArrayPattern', elements: fn.params, ...pos }, init: { type: 'ArrayExpression', elements: values, ...pos }, ...pos }],
    ...pos,
  };
  fn.params = [...placeholders, { type: 'RestElement', argument: rest, ...pos }];
  fn.body.body.unshift(decl);
}

/** Names the body declares with `var` (at any depth outside nested functions) or as
 *  top-level function declarations. */
function bodyVarNames(body: Node): string[] {
  const out: string[] = [];
  for (const s of body.body) if (s.type === 'FunctionDeclaration' && s.id) out.push(s.id.name);
  const walk = (n: Node): void => {
    if (isFunction(n) || n.type === 'ClassDeclaration' || n.type === 'ClassExpression') return;
    if (n.type === 'VariableDeclaration' && n.kind === 'var') for (const d of n.declarations) out.push(...patternIdentifiers(d.id).map((id: Node) => id.name));
    eachChild(n, walk);
  };
  eachChild(body, walk);
  return out;
}
