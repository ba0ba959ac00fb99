/**
 * Source positions for error messages, computed from a node's offset when an error is
 * reported (the parser is not asked for line/column objects on every node: they were a
 * large part of the parser's allocation and nothing but errors reads them).
 *
 * Lines and columns as meriyah counts them: lines from 1, columns from 0 in UTF-16 code
 * units; \n, \r, \r\n, U+2028 and U+2029 end a line.
 */
import type { Node } from './walk';

/** Marks a generated node that has an offset (for ordering) but no position of its own. */
export const NO_POSITION: unique symbol = Symbol('thingsjs.noPosition');

let source: string | null = null;
let lineStarts: number[] | null = null;

/** The source the nodes being compiled come from (null when done). */
export function setSource(text: string | null): void {
  source = text;
  lineStarts = null;
}

/** The line and column where `node` starts, if known. */
export function positionOf(node: Node | null | undefined): { line: number; column: number } | undefined {
  if (!node) return undefined;
  if (node.loc) return node.loc.start;
  if (source === null || typeof node.start !== 'number' || node[NO_POSITION]) return undefined;
  if (!lineStarts) {
    const ls = [0];
    for (let i = 0; i < source.length; i++) {
      const c = source.charCodeAt(i);
      if (c === 10 || c === 0x2028 || c === 0x2029) ls.push(i + 1);
      else if (c === 13) {
        if (source.charCodeAt(i + 1) === 10) i++;
        ls.push(i + 1);
      }
    }
    lineStarts = ls;
  }
  const ls = lineStarts;
  const offset: number = node.start;
  let lo = 0;
  let hi = ls.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ls[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - ls[lo] };
}
