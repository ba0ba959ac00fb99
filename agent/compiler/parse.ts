import { parseModule, parseScript } from 'meriyah';
import { CompileError } from './errors';
import type { Node } from './walk';

// Options: `ranges` (start/end offsets: the analysis orders declarations and references by
// them; error positions are computed from them, see position.ts) and `raw` (literals print
// as written). No `loc`: line/column objects on every node cost a third of the parse.

/** Parses a CommonJS script. Any syntax error becomes E_PARSE with its position. */
export function parseProgram(source: string, filename: string): Node {
  try {
    return parseScript(source, { next: true, ranges: true, raw: true, globalReturn: true, webcompat: true }) as unknown as Node;
  } catch (err) {
    throw parseError(err, filename);
  }
}

/** Parses an ES module (module goal: strict, import/export, import.meta). */
export function parseModuleProgram(source: string, filename: string): Node {
  try {
    return parseModule(source, { next: true, ranges: true, raw: true }) as unknown as Node;
  } catch (err) {
    throw parseError(err, filename);
  }
}

function parseError(err: unknown, filename: string): CompileError {
  const e = err as { message?: string; description?: string; loc?: { start?: { line: number; column: number }; line?: number; column?: number } };
  const loc = e.loc?.start ?? (typeof e.loc?.line === 'number' ? { line: e.loc.line, column: e.loc.column ?? 0 } : undefined);
  const msg = e.description ?? String(e.message ?? err).replace(/^\[[\d:-]+\]:\s*/, '');
  return new CompileError('E_PARSE', `${filename}: syntax error: ${msg}`, loc);
}
