/** Minimal ESTree plumbing: a node type and child iteration. */
export interface Node {
  type: string;
  loc?: { start: { line: number; column: number }; end: { line: number; column: number } };
  [key: string]: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  [key: symbol]: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const SKIP = new Set(['loc', 'range', 'start', 'end', 'raw', 'regex']);

export function isNode(x: unknown): x is Node {
  return typeof x === 'object' && x !== null && typeof (x as Node).type === 'string';
}

/**
 * The keys that can hold child nodes, per node type, in the order meriyah creates them (so
 * the order children are visited in is the order `Object.keys` gives for a parsed node: for
 * example a for-in statement's body comes before its head there). Types not listed here
 * (none that meriyah produces without JSX) fall back to `Object.keys`.
 */
const CHILD_KEYS: Record<string, readonly string[]> = Object.assign(Object.create(null), {
  AccessorProperty: ['key', 'value', 'decorators'],
  ArrayExpression: ['elements'],
  ArrayPattern: ['elements'],
  ArrowFunctionExpression: ['params', 'body'],
  AssignmentExpression: ['left', 'right'],
  AssignmentPattern: ['left', 'right'],
  AwaitExpression: ['argument'],
  BinaryExpression: ['left', 'right'],
  BlockStatement: ['body'],
  BreakStatement: ['label'],
  CallExpression: ['callee', 'arguments'],
  CatchClause: ['param', 'body'],
  ChainExpression: ['expression'],
  ClassBody: ['body'],
  ClassDeclaration: ['id', 'superClass', 'body', 'decorators'],
  ClassExpression: ['id', 'superClass', 'body', 'decorators'],
  ConditionalExpression: ['test', 'consequent', 'alternate'],
  ContinueStatement: ['label'],
  DebuggerStatement: [],
  Decorator: ['expression'],
  DoWhileStatement: ['body', 'test'],
  EmptyStatement: [],
  ExportAllDeclaration: ['source', 'exported', 'attributes'],
  ExportDefaultDeclaration: ['declaration'],
  ExportNamedDeclaration: ['declaration', 'specifiers', 'source', 'attributes'],
  ExportSpecifier: ['local', 'exported'],
  ExpressionStatement: ['expression'],
  ForInStatement: ['body', 'left', 'right'],
  ForOfStatement: ['left', 'right', 'body'],
  ForStatement: ['init', 'test', 'update', 'body'],
  FunctionDeclaration: ['id', 'params', 'body'],
  FunctionExpression: ['id', 'params', 'body'],
  Identifier: [],
  IfStatement: ['test', 'consequent', 'alternate'],
  ImportAttribute: ['key', 'value'],
  ImportDeclaration: ['specifiers', 'source', 'attributes'],
  ImportDefaultSpecifier: ['local'],
  ImportExpression: ['source', 'options'],
  ImportNamespaceSpecifier: ['local'],
  ImportSpecifier: ['local', 'imported'],
  LabeledStatement: ['label', 'body'],
  Literal: [],
  LogicalExpression: ['left', 'right'],
  MemberExpression: ['object', 'property'],
  MetaProperty: ['meta', 'property'],
  MethodDefinition: ['key', 'value', 'decorators'],
  NewExpression: ['callee', 'arguments'],
  ObjectExpression: ['properties'],
  ObjectPattern: ['properties'],
  ParenthesizedExpression: ['expression'],
  PrivateIdentifier: [],
  Program: ['body'],
  Property: ['key', 'value'],
  PropertyDefinition: ['key', 'value', 'decorators'],
  RestElement: ['argument'],
  ReturnStatement: ['argument'],
  SequenceExpression: ['expressions'],
  SpreadElement: ['argument'],
  StaticBlock: ['body'],
  Super: [],
  SwitchCase: ['test', 'consequent'],
  SwitchStatement: ['discriminant', 'cases'],
  TaggedTemplateExpression: ['tag', 'quasi'],
  TemplateElement: [],
  TemplateLiteral: ['expressions', 'quasis'],
  ThisExpression: [],
  ThrowStatement: ['argument'],
  TryStatement: ['block', 'handler', 'finalizer'],
  UnaryExpression: ['argument'],
  UpdateExpression: ['argument'],
  VariableDeclaration: ['declarations'],
  VariableDeclarator: ['id', 'init'],
  WhileStatement: ['test', 'body'],
  WithStatement: ['object', 'body'],
  YieldExpression: ['argument'],
});

/** The keys that can hold child nodes of a node of this type (undefined: not known, use
 *  eachChild). */
export function childKeys(type: string): readonly string[] | undefined {
  return CHILD_KEYS[type];
}

type ChildFn = (child: Node, key: string, index: number) => void;

/** Calls fn(child, key, index) for every direct child node, in source order. */
export function eachChild(node: Node, fn: ChildFn): void {
  // The most frequent types with their keys written out (CHILD_KEYS' order): named property
  // reads instead of a loop of reads by computed key, the largest part of a walk's cost.
  switch (node.type) {
    case 'Identifier':
    case 'Literal':
    case 'ThisExpression':
    case 'EmptyStatement':
    case 'TemplateElement':
      return;
    case 'MemberExpression':
      slot(node.object, 'object', fn);
      slot(node.property, 'property', fn);
      return;
    case 'CallExpression':
    case 'NewExpression':
      slot(node.callee, 'callee', fn);
      slot(node.arguments, 'arguments', fn);
      return;
    case 'ExpressionStatement':
      slot(node.expression, 'expression', fn);
      return;
    case 'BinaryExpression':
    case 'LogicalExpression':
    case 'AssignmentExpression':
      slot(node.left, 'left', fn);
      slot(node.right, 'right', fn);
      return;
    case 'ReturnStatement':
    case 'UnaryExpression':
    case 'UpdateExpression':
      slot(node.argument, 'argument', fn);
      return;
    case 'BlockStatement':
      slot(node.body, 'body', fn);
      return;
    case 'IfStatement':
    case 'ConditionalExpression':
      slot(node.test, 'test', fn);
      slot(node.consequent, 'consequent', fn);
      slot(node.alternate, 'alternate', fn);
      return;
    case 'VariableDeclaration':
      slot(node.declarations, 'declarations', fn);
      return;
    case 'VariableDeclarator':
      slot(node.id, 'id', fn);
      slot(node.init, 'init', fn);
      return;
    case 'Property':
      slot(node.key, 'key', fn);
      slot(node.value, 'value', fn);
      return;
    case 'ObjectExpression':
      slot(node.properties, 'properties', fn);
      return;
    case 'ArrayExpression':
      slot(node.elements, 'elements', fn);
      return;
    case 'FunctionExpression':
    case 'FunctionDeclaration':
      slot(node.id, 'id', fn);
      slot(node.params, 'params', fn);
      slot(node.body, 'body', fn);
      return;
    default:
      break;
  }
  const keys = CHILD_KEYS[node.type];
  if (keys === undefined) return eachChildByKeys(node, fn);
  for (let k = 0; k < keys.length; k++) slot(node[keys[k]], keys[k], fn);
}

/** The child node(s) held under one key. */
function slot(v: unknown, key: string, fn: ChildFn): void {
  if (typeof v !== 'object' || v === null) return;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const c = v[i];
      if (typeof c === 'object' && c !== null && typeof c.type === 'string') fn(c, key, i);
    }
  } else if (typeof (v as Node).type === 'string') {
    fn(v as Node, key, -1);
  }
}

function eachChildByKeys(node: Node, fn: ChildFn): void {
  for (const key of Object.keys(node)) {
    if (SKIP.has(key)) continue;
    const v = node[key];
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) if (isNode(v[i])) fn(v[i], key, i);
    } else if (isNode(v)) {
      fn(v, key, -1);
    }
  }
}

export function isFunction(n: Node): boolean {
  return n.type === 'FunctionDeclaration' || n.type === 'FunctionExpression' || n.type === 'ArrowFunctionExpression';
}
