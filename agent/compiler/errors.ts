/** A compile error: stable code, an actionable message and, where known, the position. */
export class CompileError extends Error {
  readonly code: string;
  readonly line?: number;
  readonly column?: number;
  constructor(code: string, message: string, loc?: { line: number; column: number }) {
    super(loc ? `${message} (line ${loc.line}, column ${loc.column + 1})` : message);
    this.name = 'CompileError';
    this.code = code;
    if (loc) {
      this.line = loc.line;
      this.column = loc.column;
    }
  }
}
