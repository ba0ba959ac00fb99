/**
 * Normalize pass (before scope analysis): `super` in object-literal methods reads through an
 * explicit home object, so those methods become ordinary closure units that migrate.
 *
 * A method's `super` is bound to its home object, an engine slot a factory cannot set: a
 * method re-created on restore would have no home. So the home becomes a binding the
 * methods capture (a parameter of a small arrow around the literal, one per evaluation) and
 * `super.x` reads the home's prototype at run time, as the engine does.
 *
 * Before:                                   After:
 *   const o = {                               const o = (($tjs_h0) => $tjs_h0 = {
 *     __proto__: base,                          __proto__: base,
 *     hi() { return super.hi() + '!'; },        hi() { return $tjs_rt.sget($tjs_h0, "hi", this).call(this) + '!'; },
 *     set v(x) { super.v = x; },                set v(x) { $tjs_rt.sset($tjs_h0, "v", x, this); },
 *   };                                        })();
 *
 * Also `super[k]`, compound assignment (`super.n += 1`; a computed key is evaluated twice
 * there) and `super.n++`. Literals whose keys
 * or values use `yield` or `await` are left as they are (the arrow would change their
 * meaning): their super-using methods stay native and do not migrate.
 */
import { GENERATED, RESERVED_PREFIX, names } from '../reserved';
import { eachChild, isFunction, type Node } from '../walk';

export function lowerObjectSuper(program: Node): void {
  let next = 0;
  const visit = (n: Node, parent: Node | null, key: string, index: number): void => {
    eachChild(n, (c, k, i) => visit(c, n, k, i));
    if (n.type !== 'ObjectExpression' || !parent) return;
    const methods = n.properties.filter((p: Node) => p.type === 'Property' && (p.method || p.kind === 'get' || p.kind === 'set') && hasSuper(p.value));
    if (methods.length === 0 || n.properties.some((p: Node) => p.type === 'Property' && !methods.includes(p) && suspends(p))) return;
    const pos = { start: n.start, end: n.end, loc: n.loc };
    const name = `${RESERVED_PREFIX}h${next++}`;
    const home = (): Node => ({ type: 'Identifier', name, [GENERATED]: true, ...pos });
    for (const m of methods) rewrite(m.value.body, home, pos);
    const arrow: Node = {
      type: 'ArrowFunctionExpression',
      params: [home()],
      body: { type: 'AssignmentExpression', operator: '=', left: home(), right: n, ...pos },
      expression: true,
      async: false,
      generator: false,
      ...pos,
    };
    const call: Node = { type: 'CallExpression', callee: arrow, arguments: [], optional: false, ...pos };
    if (index >= 0) parent[key][index] = call;
    else parent[key] = call;
  };
  eachChild(program, (c, k, i) => visit(c, program, k, i));
}

/** `super` in a function's own body or its arrows (not in nested functions or classes). */
function hasSuper(fn: Node): boolean {
  let found = false;
  const walk = (n: Node): void => {
    if (found) return;
    if (n.type === 'Super') found = true;
    else if ((isFunction(n) && n.type !== 'ArrowFunctionExpression') || n.type === 'ClassBody') return;
    else eachChild(n, walk);
  };
  eachChild(fn.body, walk);
  return found;
}

function suspends(p: Node): boolean {
  let found = false;
  const walk = (n: Node): void => {
    if (found) return;
    if (n.type === 'YieldExpression' || n.type === 'AwaitExpression') found = true;
    else if (isFunction(n) || n.type === 'ClassBody') return;
    else eachChild(n, walk);
  };
  walk(p);
  return found;
}

function rewrite(body: Node, home: () => Node, pos: object): void {
  const rt = (fn: string, args: Node[]): Node => ({
    type: 'CallExpression',
    callee: { type: 'MemberExpression', object: { type: 'Identifier', name: names.runtime, [GENERATED]: true, ...pos }, property: { type: 'Identifier', name: fn, ...pos }, computed: false, optional: false, ...pos },
    arguments: args,
    optional: false,
    ...pos,
  });
  const self = (): Node => ({ type: 'ThisExpression', ...pos });
  const isSuperMember = (n: Node): boolean => n?.type === 'MemberExpression' && n.object.type === 'Super';

  const walk = (n: Node): Node => {
    if ((isFunction(n) && n.type !== 'ArrowFunctionExpression') || n.type === 'ClassBody') return n;
    // The super reference itself is replaced whole: only its computed key and the operands
    // around it are walked.
    const keyOf = (m: Node): Node => (m.computed ? walk(m.property) : { type: 'Literal', value: m.property.name, ...pos });
    const get = (m: Node): Node => rt('sget', [home(), keyOf(m), self()]);
    if (n.type === 'CallExpression' && isSuperMember(n.callee)) {
      const fn: Node = { type: 'MemberExpression', object: get(n.callee), property: { type: 'Identifier', name: 'call', ...pos }, computed: false, optional: !!n.optional, ...pos };
      return { ...n, optional: false, callee: fn, arguments: [self(), ...n.arguments.map(walk)] };
    }
    if (n.type === 'AssignmentExpression' && isSuperMember(n.left)) {
      const m = n.left;
      const right = walk(n.right);
      if (n.operator === '=') return rt('sset', [home(), keyOf(m), right, self()]);
      const op = n.operator.slice(0, -1);
      if (op === '&&' || op === '||' || op === '??') {
        return { type: 'LogicalExpression', operator: op, left: get(m), right: rt('sset', [home(), keyOf(m), right, self()]), ...pos };
      }
      return rt('sset', [home(), keyOf(m), { type: 'BinaryExpression', operator: op, left: get(m), right, ...pos }, self()]);
    }
    if (n.type === 'UpdateExpression' && isSuperMember(n.argument)) {
      return rt('supd', [home(), keyOf(n.argument), self(), { type: 'Literal', value: n.operator === '++' ? 1 : -1, ...pos }, { type: 'Literal', value: n.prefix, ...pos }]);
    }
    if (isSuperMember(n)) return get(n);
    eachChild(n, (c, k, i) => {
      const r = walk(c);
      if (i >= 0) n[k][i] = r;
      else n[k] = r;
    });
    return n;
  };
  walk(body);
}
