import { parseScript } from 'meriyah';
import { CompileError } from './errors';
import type { Node } from './walk';

/** Parses a CommonJS script. Any syntax error becomes E_PARSE with its position. */
export function parseProgram(source: string, filename: string): Node {
  try {
    return parseScript(source, { next: true, loc: true, ranges: false, raw: true, globalReturn: true, webcompat: true }) as unknown as Node;
  } catch (err) {
    const e = err as { message?: string; loc?: { line: number; column: number }; line?: number; column?: number };
    const loc = e.loc ?? (typeof e.line === 'number' ? { line: e.line, column: e.column ?? 0 } : undefined);
    const msg = String(e.message ?? err).replace(/^\[\d+:\d+\]:\s*/, '');
    throw new CompileError('E_PARSE', `${filename}: syntax error: ${msg}`, loc);
  }
}
