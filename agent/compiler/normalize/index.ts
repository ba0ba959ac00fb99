/**
 * The normalize passes, run only where they can change something.
 *
 * Each pass rewrites one rare construct (`import()`, class constructors with patterns or
 * defaults, `super` in object-literal methods, `super` and private names in class methods).
 * A program without them — most code — would still pay one walk of the whole tree per pass.
 * So one walk first notes which constructs occur (and where the classes are), and a source
 * whose text cannot contain them (none of the keywords `import`, `class`, `super`: a keyword
 * written with escapes is a syntax error, and private names and constructors need a class)
 * skips even that walk.
 */
import { lowerDynamicImport } from '../transform/esm-to-cjs';
import { lowerConstructor, needsLowering } from './lower-constructor-params';
import { lowerObjectSuper } from './lower-object-super';
import { lowerMemberPrivateSuperIn } from './lower-member-private-super';
import { eachChild, type Node } from '../walk';

interface Found {
  importExpr: boolean;
  superRef: boolean;
  /** A `super` inside an object literal (only those can need lower-object-super). */
  objectSuper: boolean;
  /** A private name (`#x`) anywhere. */
  privateRef: boolean;
  /** Outermost class nodes, with their parents (for the name a class expression infers),
   *  and whether `super` or a private name occurs in them. */
  classes: { cls: Node; parent: Node; special: boolean }[];
  /** Constructors (their function nodes) with a parameter other than a plain name. */
  ctors: Node[];
}

/** A cheap test of the source text: false when none of the constructs can occur. */
export function mayNeedNormalize(text: string): boolean {
  return text.includes('class') || text.includes('super') || text.includes('import');
}

/** Where normalize probably has work, in source text (see likelyNeedsNormalize). Each starts
 *  with a literal, which a regular expression finds fast; the word boundary is tested after. */
const LIKELY = [/super\s*[.([]/g, /\.#/g, /constructor\s*\([^)]*[=[{]/g, /import\s*\(/g];

/** A character that can continue an identifier (ASCII letters, digits, `_`, `$`; any
 *  non-ASCII character counts as one here). */
function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 36 || c > 127;
}

/**
 * A guess from the source text, used only to choose an order (normalizeAndAnalyze in
 * ../index.ts): true when the program probably has a construct that normalize rewrites —
 * `super`, a private name used as `.#x`, a constructor with a default or a pattern among its
 * parameters (not `x.constructor(...)`), `import(` in a script — outside a comment (as far as
 * its line tells).
 */
export function likelyNeedsNormalize(text: string, script: boolean): boolean {
  for (let k = 0; k < LIKELY.length; k++) {
    if (k === 3 && !script) break;
    const re = LIKELY[k];
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const before = m.index > 0 ? text.charCodeAt(m.index - 1) : 32;
      if (k !== 1 && (isWordChar(before) || (k === 2 && before === 46 /* . */))) continue;
      const line = text.slice(text.lastIndexOf('\n', m.index) + 1, m.index);
      if (line.includes('//') || /^\s*(\*|\/\*)/.test(line)) continue;
      return true;
    }
  }
  return false;
}

let found: Found;
let parentNode: Node;
let classDepth = 0;
let objectDepth = 0;

function scan(program: Node): Found {
  found = { importExpr: false, superRef: false, objectSuper: false, privateRef: false, classes: [], ctors: [] };
  classDepth = 0;
  objectDepth = 0;
  parentNode = program;
  eachChild(program, scanNode);
  const r = found;
  found = null as unknown as Found;
  parentNode = null as unknown as Node;
  return r;
}

function scanNode(n: Node): void {
  const type = n.type;
  const isClass = type === 'ClassDeclaration' || type === 'ClassExpression';
  if (isClass) {
    if (classDepth === 0) found.classes.push({ cls: n, parent: parentNode, special: false });
    classDepth++;
  } else if (type === 'ImportExpression') found.importExpr = true;
  else if (type === 'Super') {
    found.superRef = true;
    if (objectDepth > 0) found.objectSuper = true;
    if (classDepth > 0) found.classes[found.classes.length - 1].special = true;
  } else if (type === 'PrivateIdentifier') {
    found.privateRef = true;
    if (classDepth > 0) found.classes[found.classes.length - 1].special = true;
  } else if (type === 'MethodDefinition' && n.kind === 'constructor' && needsLowering(n.value)) found.ctors.push(n.value);
  const isObject = type === 'ObjectExpression';
  if (isObject) objectDepth++;
  const saved = parentNode;
  parentNode = n;
  scanChildren(n);
  parentNode = saved;
  if (isClass) classDepth--;
  if (isObject) objectDepth--;
}

/** eachChild(n, scanNode), with the most frequent types written out: calls of scanNode
 *  itself (eachChild's callback call is shared by every walk, so none is inlined), in
 *  eachChild's order; a child slot may be null (skipped, as eachChild does). */
function scanChildren(n: Node): void {
  switch (n.type) {
    case 'Identifier':
    case 'Literal':
    case 'ThisExpression':
    case 'EmptyStatement':
    case 'TemplateElement':
      return;
    case 'MemberExpression':
      scanNode(n.object);
      scanNode(n.property);
      return;
    case 'CallExpression':
    case 'NewExpression':
      scanNode(n.callee);
      scanList(n.arguments);
      return;
    case 'ExpressionStatement':
      scanNode(n.expression);
      return;
    case 'BinaryExpression':
    case 'LogicalExpression':
    case 'AssignmentExpression':
      scanNode(n.left);
      scanNode(n.right);
      return;
    case 'ReturnStatement':
    case 'UnaryExpression':
    case 'UpdateExpression':
      if (n.argument) scanNode(n.argument);
      return;
    case 'BlockStatement':
      scanList(n.body);
      return;
    case 'IfStatement':
    case 'ConditionalExpression':
      scanNode(n.test);
      scanNode(n.consequent);
      if (n.alternate) scanNode(n.alternate);
      return;
    case 'VariableDeclaration':
      scanList(n.declarations);
      return;
    case 'VariableDeclarator':
      scanNode(n.id);
      if (n.init) scanNode(n.init);
      return;
    case 'Property':
      scanNode(n.key);
      scanNode(n.value);
      return;
    case 'ObjectExpression':
      scanList(n.properties);
      return;
    case 'ArrayExpression':
      scanList(n.elements);
      return;
    case 'FunctionExpression':
    case 'FunctionDeclaration':
      if (n.id) scanNode(n.id);
      scanList(n.params);
      scanNode(n.body);
      return;
    default:
      eachChild(n, scanNode);
  }
}

function scanList(list: (Node | null)[]): void {
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if (c !== null) scanNode(c);
  }
}

/** Runs the normalize passes a program needs. `script`: a CommonJS script (its `import()`
 *  calls are lowered here; a module's were lowered by esmToCjs). Returns whether the
 *  program may still contain `super` or private names (false: certainly not; the passes only
 *  remove them). */
export function normalize(program: Node, text: string, script: boolean, filename: string): { mayHaveSuper: boolean; mayHavePrivate: boolean } {
  if (!mayNeedNormalize(text)) return { mayHaveSuper: false, mayHavePrivate: false };
  let found = scan(program);
  if (script && found.importExpr) {
    lowerDynamicImport(program, filename);
    found = scan(program);
  }
  if (!found.classes.length && !found.superRef) return { mayHaveSuper: false, mayHavePrivate: found.privateRef };
  // Constructors are lowered one by one, as lowerConstructorParams would (in source order).
  for (const fn of found.ctors) lowerConstructor(fn);
  if (found.objectSuper) {
    // Only object literals whose methods use `super` change.
    lowerObjectSuper(program);
    // It may have moved object literals (and classes in them) under new parents.
    found = scan(program);
  }
  // A class without `super` or private names (nor classes in it) has nothing to lower.
  for (const { cls, parent, special } of found.classes) if (special) lowerMemberPrivateSuperIn(cls, parent);
  return { mayHaveSuper: found.superRef, mayHavePrivate: found.privateRef };
}
