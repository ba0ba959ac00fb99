import { parseModule, parseScript } from 'meriyah';
import { CompileError } from './errors';
import type { Node } from './walk';

/** Parses a CommonJS script. Any syntax error becomes E_PARSE with its position. */
export function parseProgram(source: string, filename: string): Node {
  try {
    return parseScript(source, { next: true, loc: true, ranges: true, raw: true, globalReturn: true, webcompat: true }) as unknown as Node;
  } catch (err) {
    throw parseError(err, filename);
  }
}

/** Parses an ES module (module goal: strict, import/export, import.meta). */
export function parseModuleProgram(source: string, filename: string): Node {
  try {
    return parseModule(source, { next: true, loc: true, ranges: true, raw: true }) as unknown as Node;
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
