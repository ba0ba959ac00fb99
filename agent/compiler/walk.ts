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

/** Calls fn(child, key, index) for every direct child node, in source order. */
export function eachChild(node: Node, fn: (child: Node, key: string, index: number) => void): void {
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
