/** Every node the compiler emits is built here. */
import type { Node } from '../walk';

/** /^[A-Za-z_$][\w$]*$/.test(name), without a regular expression (called for every
 *  captured reference). */
export function isPlainIdentifier(name: string): boolean {
  const n = name.length;
  if (n === 0) return false;
  for (let i = 0; i < n; i++) {
    const c = name.charCodeAt(i);
    if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 36) continue;
    if (i > 0 && c >= 48 && c <= 57) continue;
    return false;
  }
  return true;
}

export const id = (name: string): Node => ({ type: 'Identifier', name });
export const literal = (value: string | number | boolean | null): Node => ({ type: 'Literal', value });
export const undef = (): Node => ({ type: 'UnaryExpression', operator: 'void', prefix: true, argument: literal(0) });
/** The key of `object.name`: the name, or a string literal where it must be `object["name"]`. */
export const memberKey = (name: string): Node => (isPlainIdentifier(name) && name !== '__proto__' ? id(name) : literal(name));
/** `object.name` (a key from memberKey: an Identifier is a plain key, a Literal a computed one). */
export const memberWithKey = (object: Node, property: Node): Node => ({ type: 'MemberExpression', object, property, computed: property.type !== 'Identifier', optional: false });
export const member = (object: Node, name: string): Node => memberWithKey(object, memberKey(name));
export const computedMember = (object: Node, property: Node): Node => ({ type: 'MemberExpression', object, property, computed: true, optional: false });
export const call = (callee: Node, args: Node[]): Node => ({ type: 'CallExpression', callee, arguments: args, optional: false });
export const assign = (left: Node, right: Node, operator = '='): Node => ({ type: 'AssignmentExpression', operator, left, right });
export const exprStmt = (expression: Node): Node => ({ type: 'ExpressionStatement', expression });
export const seq = (expressions: Node[]): Node => (expressions.length === 1 ? expressions[0] : { type: 'SequenceExpression', expressions });
export const varDecl = (kind: 'var' | 'let' | 'const', name: string | Node, init: Node | null): Node => ({
  type: 'VariableDeclaration',
  kind,
  declarations: [{ type: 'VariableDeclarator', id: typeof name === 'string' ? id(name) : name, init }],
});
export const block = (body: Node[]): Node => ({ type: 'BlockStatement', body });
export const ret = (argument: Node | null): Node => ({ type: 'ReturnStatement', argument });
export const array = (elements: Node[]): Node => ({ type: 'ArrayExpression', elements });
export const prop = (key: string, value: Node): Node => {
  const plain = isPlainIdentifier(key) && key !== '__proto__';
  return { type: 'Property', key: plain ? id(key) : literal(key), value, kind: 'init', method: false, shorthand: false, computed: !plain && key === '__proto__' };
};
export const object = (properties: Node[]): Node => ({ type: 'ObjectExpression', properties });
export const fnDecl = (name: string, params: string[], body: Node[]): Node => ({
  type: 'FunctionDeclaration',
  id: id(name),
  params: params.map(id),
  body: block(body),
  async: false,
  generator: false,
});
export const binary = (left: Node, operator: string, right: Node): Node => ({ type: 'BinaryExpression', operator, left, right });
