/**
 * Normalize pass (before scope analysis): inside async and generator class methods, and
 * inside closures made in a class body, `super` and the class's private names go through
 * the runtime, so those methods compile to resumable state machines whose step function
 * lives outside the class body, and those closures become ordinary units.
 *
 * A suspended async method is a frame plus a step function; the step, like any closure, is
 * re-created on restore by a module-level factory, where neither `super` nor `#x` can be
 * written. The
 * references keep their meaning through the class's own name (bound inside the class) and
 * a private-name reflector the class registers with the runtime (instrument: classUnit).
 *
 * Before:                                    After:
 *   class Job extends Base {                   class Job extends Base {
 *     #tries = 0;                                #tries = 0;
 *     async run() {                              async run() {
 *       this.#tries++;                             $tjs_rt.pupd(Job, "tries", this, 1, false);
 *       await this.#wait(this.#tries);             await $tjs_rt.pcall(Job, "wait", this, $tjs_rt.pget(Job, "tries", this));
 *       return super.run();                        return $tjs_rt.sget(Job.prototype, "run", this).call(this);
 *     }                                          }
 *   }                                          }
 *
 * An anonymous class expression takes the name the engine infers for it (`const Job =
 * class {…}` → `class Job {…}`), which does not change its `name`. A method is left as it is
 * (and stays native: it runs, but a capture that meets it suspended fails) when the class has
 * no usable name, when the method declares a binding of that name, or for forms rewritten
 * here only at some cost (`#x` as a destructuring target, `o?.#x`, a compound assignment to
 * `e.#x` on anything but `this` or a name).
 */
import { patternIdentifiers } from '../analyze/scope';
import { GENERATED, PRIVATE_TABLE, names } from '../reserved';
import { eachChild, isFunction, type Node } from '../walk';

export function lowerMemberPrivateSuper(program: Node): void {
  lowerIn(program, null);
}

/** The same for one outermost class, whose parent is `parent` (see normalize/index.ts). */
export function lowerMemberPrivateSuperIn(cls: Node, parent: Node): void {
  lowerIn(cls, parent);
}

function lowerIn(root: Node, rootParent: Node | null): void {
  const classes: { cls: Node; name: string | null; privates: Set<string> }[] = [];
  // Functions with `super` or a private name somewhere inside: no other function (nor any
  // function nested in it) can need lowering, so the search below skips them whole.
  const special = functionsWithSuperOrPrivate(root);
  const visit = (n: Node, parent: Node | null): void => {
    if (n.type !== 'ClassDeclaration' && n.type !== 'ClassExpression') {
      eachChild(n, (c) => visit(c, n));
      return;
    }
    if (n.superClass) visit(n.superClass, n);
    const name = n.id?.name ?? inferredName(n, parent);
    const privates = new Set<string>();
    for (const el of n.body.body) if (el.key?.type === 'PrivateIdentifier') privates.add(el.key.name);
    const entry = { cls: n, name, privates };
    classes.push(entry);
    const lowered = (fn: Node, isStatic: boolean): void => {
      if (!n.id) n.id = { type: 'Identifier', name, start: n.start, end: n.start, loc: n.loc };
      lower(fn, isStatic, entry, classes);
      for (const c of classes) c.cls[PRIVATE_TABLE] = true;
    };
    // Closures made inside the class body (not themselves members) that use its private
    // names or `super`: outermost ones first; a closure that cannot be lowered stays native
    // and the search goes on inside it.
    const closures = (x: Node, isStatic: boolean): void => {
      if (x.type === 'ClassBody') return;
      if (isFunction(x)) {
        if (!special.has(x)) return;
        if (name && needsLowering(x, classes) && canLower(x, name, classes) && !(x.type === 'ArrowFunctionExpression' && hasSuperCall(x))) return lowered(x, isStatic);
      }
      eachChild(x, (c) => closures(c, isStatic));
    };
    for (const el of n.body.body) {
      const fn = el.type === 'MethodDefinition' && el.kind === 'method' ? el.value : null;
      if (fn && name && (fn.async || fn.generator) && needsLowering(fn, classes) && canLower(fn, name, classes)) lowered(fn, el.static);
      else if (el.type === 'MethodDefinition') eachChild(el.value, (c) => closures(c, el.static));
      else if (el.type === 'PropertyDefinition' && el.value) closures(el.value, el.static);
      else if (el.type === 'StaticBlock') eachChild(el, (c) => closures(c, true));
    }
    eachChild(n.body, (c) => visit(c, n.body));
    classes.pop();
  };
  visit(root, rootParent);
}

/** The function nodes under `root` that contain a `super` or a private name. */
function functionsWithSuperOrPrivate(root: Node): Set<Node> {
  const out = new Set<Node>();
  const walk = (n: Node): boolean => {
    let found = n.type === 'Super' || n.type === 'PrivateIdentifier';
    eachChild(n, (c) => {
      if (walk(c)) found = true;
    });
    if (found && isFunction(n)) out.add(n);
    return found;
  };
  walk(root);
  return out;
}

/** The name a `const X = class {…}` (or `X = class {…}`) gets. */
function inferredName(cls: Node, parent: Node | null): string | null {
  if (cls.type !== 'ClassExpression' || !parent) return null;
  if (parent.type === 'VariableDeclarator' && parent.init === cls && parent.id.type === 'Identifier') return parent.id.name;
  if (parent.type === 'AssignmentExpression' && parent.right === cls && parent.left.type === 'Identifier' && parent.operator === '=') return parent.left.name;
  return null;
}

type ClassStack = { cls: Node; name: string | null; privates: Set<string> }[];

/** The enclosing class (innermost first) that declares `#name`. */
function owner(name: string, classes: ClassStack): ClassStack[number] | undefined {
  for (let i = classes.length - 1; i >= 0; i--) if (classes[i].privates.has(name)) return classes[i];
  return undefined;
}

/** Walks a method body, calling fn for nodes outside nested classes that declare their own
 *  private names. `arrowsOnly`: do not enter nested non-arrow functions either. */
function walkOwn(body: Node, arrowsOnly: boolean, fn: (n: Node) => void): void {
  const walk = (n: Node): void => {
    if (n.type === 'ClassBody') return;
    if (arrowsOnly && isFunction(n) && n.type !== 'ArrowFunctionExpression') return;
    fn(n);
    eachChild(n, walk);
  };
  eachChild(body, walk);
}

/** `super(...)` in an arrow (inside a derived constructor): it cannot leave the class. */
function hasSuperCall(fn: Node): boolean {
  let found = false;
  walkOwn(fn.body, true, (n) => {
    if (n.type === 'CallExpression' && n.callee.type === 'Super') found = true;
  });
  return found;
}

function needsLowering(fn: Node, classes: ClassStack): boolean {
  let found = false;
  walkOwn(fn.body, true, (n) => {
    if (n.type === 'Super') found = true;
  });
  walkOwn(fn.body, false, (n) => {
    if (n.type === 'PrivateIdentifier' && owner(n.name, classes)) found = true;
  });
  // A nested class that uses our private names must move out with the step function too.
  classBodiesUsingOuterPrivates(fn, classes, () => (found = true));
  return found;
}

function classBodiesUsingOuterPrivates(fn: Node, classes: ClassStack, hit: () => void): void {
  const walk = (n: Node): void => {
    if (n.type === 'ClassBody') {
      const own = new Set<string>();
      for (const el of n.body) if (el.key?.type === 'PrivateIdentifier') own.add(el.key.name);
      const inner = (x: Node): void => {
        if (x.type === 'PrivateIdentifier' && !own.has(x.name) && owner(x.name, classes)) hit();
        eachChild(x, inner);
      };
      eachChild(n, inner);
      return;
    }
    eachChild(n, walk);
  };
  eachChild(fn.body, walk);
}

function canLower(fn: Node, name: string, classes: ClassStack): boolean {
  let ok = true;
  // Our private names inside nested classes: not handled (left native).
  classBodiesUsingOuterPrivates(fn, classes, () => (ok = false));
  const declared = new Set<string>();
  for (const p of fn.params) for (const id of patternIdentifiers(p)) declared.add(id.name);
  const names = new Set<string>([name]);
  walkOwn(fn.body, false, (n) => {
    if (n.type === 'VariableDeclarator') for (const id of patternIdentifiers(n.id)) declared.add(id.name);
    if ((n.type === 'FunctionDeclaration' || n.type === 'ClassDeclaration' || n.type === 'FunctionExpression' || n.type === 'ClassExpression') && n.id) declared.add(n.id.name);
    if (isFunction(n)) for (const p of n.params) for (const id of patternIdentifiers(p)) declared.add(id.name);
    if (n.type === 'CatchClause' && n.param) for (const id of patternIdentifiers(n.param)) declared.add(id.name);
    if (n.type === 'MemberExpression' && n.property.type === 'PrivateIdentifier' && owner(n.property.name, classes)) {
      const o = owner(n.property.name, classes)!;
      if (!o.name) ok = false;
      else names.add(o.name);
      if (n.optional) ok = false;
    }
    if (n.type === 'BinaryExpression' && n.left.type === 'PrivateIdentifier') {
      const o = owner(n.left.name, classes);
      if (o && !o.name) ok = false;
      else if (o) names.add(o.name as string);
    }
    // Private references as assignment targets other than a plain or compound assignment.
    const targets: Node[] = [];
    if (n.type === 'ArrayPattern' || n.type === 'ObjectPattern' || n.type === 'RestElement') targets.push(n);
    if ((n.type === 'ForOfStatement' || n.type === 'ForInStatement') && n.left.type !== 'VariableDeclaration') targets.push(n.left);
    if (n.type === 'AssignmentExpression' && n.left.type !== 'MemberExpression') targets.push(n.left);
    for (const t of targets) if (hasPrivate(t)) ok = false;
    if ((n.type === 'AssignmentExpression' && n.operator !== '=' && isPrivateMember(n.left)) || (n.type === 'UpdateExpression' && isPrivateMember(n.argument))) {
      const obj = (n.left ?? n.argument).object;
      if (obj.type !== 'ThisExpression' && obj.type !== 'Identifier') ok = false;
    }
  });
  for (const x of names) if (declared.has(x)) ok = false;
  return ok;
}

const isPrivateMember = (n: Node): boolean => n?.type === 'MemberExpression' && n.property.type === 'PrivateIdentifier';

function hasPrivate(n: Node): boolean {
  let found = false;
  const walk = (x: Node): void => {
    if (x.type === 'PrivateIdentifier') found = true;
    else if (!isFunction(x)) eachChild(x, walk);
  };
  walk(n);
  return found;
}

function lower(fn: Node, isStatic: boolean, self: ClassStack[number], classes: ClassStack): void {
  const pos = { start: fn.start, end: fn.start, loc: fn.loc };
  const id = (name: string): Node => ({ type: 'Identifier', name, ...pos });
  const rt = (f: string, args: Node[]): Node => ({
    type: 'CallExpression',
    callee: { type: 'MemberExpression', object: { ...id(names.runtime), [GENERATED]: true }, property: id(f), computed: false, optional: false, ...pos },
    arguments: args,
    optional: false,
    ...pos,
  });
  const lit = (value: unknown): Node => ({ type: 'Literal', value, ...pos });
  const home = (): Node => (isStatic ? id(self.name!) : { type: 'MemberExpression', object: id(self.name!), property: id('prototype'), computed: false, optional: false, ...pos });
  const thisNode = (): Node => ({ type: 'ThisExpression', ...pos });
  const cls = (priv: string): Node => id(owner(priv, classes)!.name!);
  const ours = (n: Node): boolean => isPrivateMember(n) && !!owner(n.property.name, classes);
  const superMember = (n: Node): boolean => n?.type === 'MemberExpression' && n.object.type === 'Super';

  // `inArrowOrBody`: super is ours only in the method body and its arrows.
  const walk = (n: Node, superOk: boolean): Node => {
    if (n.type === 'ClassBody') return n;
    const sub = (x: Node): Node => walk(x, superOk && !(isFunction(x) && x.type !== 'ArrowFunctionExpression'));
    const key = (m: Node): Node => (m.computed ? sub(m.property) : lit(m.property.name));
    if (superOk && n.type === 'CallExpression' && superMember(n.callee)) {
      const fnNode: Node = { type: 'MemberExpression', object: rt('sget', [home(), key(n.callee), thisNode()]), property: id('call'), computed: false, optional: !!n.optional, ...pos };
      return { ...n, optional: false, callee: fnNode, arguments: [thisNode(), ...n.arguments.map(sub)] };
    }
    if (superOk && n.type === 'AssignmentExpression' && superMember(n.left)) {
      const right = sub(n.right);
      const k = key(n.left);
      if (n.operator === '=') return rt('sset', [home(), k, right, thisNode()]);
      const op = n.operator.slice(0, -1);
      const old = rt('sget', [home(), n.left.computed ? sub(structuredCloneNode(n.left.property)) : lit(n.left.property.name), thisNode()]);
      if (op === '&&' || op === '||' || op === '??') return { type: 'LogicalExpression', operator: op, left: old, right: rt('sset', [home(), k, right, thisNode()]), ...pos };
      return rt('sset', [home(), k, { type: 'BinaryExpression', operator: op, left: old, right, ...pos }, thisNode()]);
    }
    if (superOk && n.type === 'UpdateExpression' && superMember(n.argument)) {
      return rt('supd', [home(), key(n.argument), thisNode(), lit(n.operator === '++' ? 1 : -1), lit(n.prefix)]);
    }
    if (superOk && superMember(n)) return rt('sget', [home(), key(n), thisNode()]);

    if (n.type === 'CallExpression' && ours(n.callee)) {
      return rt('pcall', [cls(n.callee.property.name), lit(n.callee.property.name), sub(n.callee.object), ...n.arguments.map(sub)]);
    }
    if (n.type === 'AssignmentExpression' && ours(n.left)) {
      const m = n.left;
      const right = sub(n.right);
      const c = cls(m.property.name);
      const nm = lit(m.property.name);
      if (n.operator === '=') return rt('pset', [c, nm, sub(m.object), right]);
      const op = n.operator.slice(0, -1);
      // The object is `this` or a name (checked): reading it twice is safe.
      const old = rt('pget', [cls(m.property.name), lit(m.property.name), structuredCloneNode(m.object)]);
      if (op === '&&' || op === '||' || op === '??') return { type: 'LogicalExpression', operator: op, left: old, right: rt('pset', [c, nm, structuredCloneNode(m.object), right]), ...pos };
      return rt('pset', [c, nm, structuredCloneNode(m.object), { type: 'BinaryExpression', operator: op, left: old, right, ...pos }]);
    }
    if (n.type === 'UpdateExpression' && ours(n.argument)) {
      const m = n.argument;
      return rt('pupd', [cls(m.property.name), lit(m.property.name), structuredCloneNode(m.object), lit(n.operator === '++' ? 1 : -1), lit(n.prefix)]);
    }
    if (ours(n)) return rt('pget', [cls(n.property.name), lit(n.property.name), sub(n.object)]);
    if (n.type === 'BinaryExpression' && n.operator === 'in' && n.left.type === 'PrivateIdentifier' && owner(n.left.name, classes)) {
      return rt('phas', [cls(n.left.name), lit(n.left.name), sub(n.right)]);
    }
    eachChild(n, (c, k, i) => {
      const r = sub(c);
      if (i >= 0) n[k][i] = r;
      else n[k] = r;
    });
    return n;
  };
  fn.params = fn.params.map((p: Node) => walk(p, true));
  fn.body = walk(fn.body, true);
}

/** A fresh copy of a small expression (a node may appear only once in the tree). */
function structuredCloneNode(n: Node): Node {
  const copy: Node = { ...n };
  eachChild(n, (c, k, i) => {
    if (i >= 0) {
      if (copy[k] === n[k]) copy[k] = [...n[k]];
      copy[k][i] = structuredCloneNode(c);
    } else copy[k] = structuredCloneNode(c);
  });
  return copy;
}
