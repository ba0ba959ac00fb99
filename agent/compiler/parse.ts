import { parseModule, parseScript } from 'meriyah';
import { CompileError } from './errors';
import type { Node } from './walk';

// Options: `raw` (literals print as written) and, only when asked, `ranges` (start/end
// offsets, from which error positions are computed: see position.ts). Nothing else reads
// offsets (the analysis orders nodes by its own walk), and the offsets with their `range`
// arrays were a third of the parse: a compilation runs without them, and one that fails runs
// again with them for the position of its error (index.ts). No `loc` at all.

/** Parses a CommonJS script. Any syntax error becomes E_PARSE with its position. */
export function parseProgram(source: string, filename: string, ranges: boolean): Node {
  try {
    return parseScript(source, { next: true, ranges, raw: true, globalReturn: true, webcompat: true }) as unknown as Node;
  } catch (err) {
    throw parseError(err, filename);
  }
}

/** Parses an ES module (module goal: strict, import/export, import.meta). */
export function parseModuleProgram(source: string, filename: string, ranges: boolean): Node {
  try {
    return parseModule(source, { next: true, ranges, raw: true }) as unknown as Node;
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
