/**
 * The ThingsJS instrumenter: source → instrumented source.
 *
 *   parse (meriyah) → normalize → analyze (read-only scope tables) → instrument (closures) → print (astring)
 *
 * Public surface: `instrument()` and `CompileError`. The compiler never imports the runtime;
 * instrumented code reaches the runtime through one global (RUNTIME_GLOBAL) installed by the
 * program host before the program loads.
 */
import { generate } from 'astring';
import { parseModuleProgram, parseProgram } from './parse';
import { esmToCjs } from './transform/esm-to-cjs';
import { analyze, type Analysis } from './analyze/scope';
import { likelyNeedsNormalize, mayNeedNormalize, normalize } from './normalize';
import { instrumentProgram, type InstrumentContext } from './transform/instrument-closures';
import * as b from './transform/builders';
import { CompileError } from './errors';
import { setSource } from './position';
import { CODE_VERSION, INSTRUMENTED_MARKER, RESERVED_PREFIX, RUNTIME_GLOBAL, names } from './reserved';
import type { Node } from './walk';

export { CompileError } from './errors';
export { INSTRUMENTED_MARKER, RESERVED_PREFIX, CODE_VERSION } from './reserved';

export interface InstrumentOptions {
  /** Used in error messages. */
  filename?: string;
  /** 'module': the source is an ES module (.mjs, "type": "module"); it is compiled to an
   *  equivalent CommonJS module first (transform/esm-to-cjs.ts). Default 'script'. */
  goal?: 'script' | 'module';
}

export interface InstrumentResult {
  code: string;
  /** Number of closure units (functions, arrows, methods) hoisted into factories. */
  units: number;
  /** True if the input was already instrumented and returned unchanged. */
  unchanged: boolean;
}

export function isInstrumented(source: string): boolean {
  return source.startsWith(INSTRUMENTED_MARKER);
}

export function instrument(source: string, options: InstrumentOptions = {}): InstrumentResult {
  const filename = options.filename ?? '<program>';
  // Instrumenting twice is a no-op: the marker is the first line of every output.
  if (isInstrumented(source)) return { code: source, units: 0, unchanged: true };
  // A hashbang line is not JavaScript for meriyah's script goal.
  const text = source.startsWith('#!') ? '//' + source.slice(2) : source;
  setSource(text);
  try {
    try {
      return compile(text, filename, options, false);
    } catch {
      // Compiled again with source offsets, for the position of its error (parse.ts).
      return compile(text, filename, options, true);
    }
  } finally {
    setSource(null);
  }
}

function compile(text: string, filename: string, options: InstrumentOptions, ranges: boolean): InstrumentResult {
  const script = options.goal !== 'module';
  const program = script ? parseProgram(text, filename, ranges) : esmToCjs(parseModuleProgram(text, filename, ranges), filename);
  const analysis = normalizeAndAnalyze(program, text, script, filename);
  const ctx: InstrumentContext = { analysis, factories: [], nextUnit: 0, nextTemp: 0 };
  const { main, directives } = instrumentProgram(program, ctx);

  const rt = b.id(names.runtime);
  const prologue: Node[] = [
    // var $tjs_rt = globalThis.$tjs_runtime; if (!$tjs_rt) throw ...
    b.varDecl('var', names.runtime, b.member(b.id('globalThis'), RUNTIME_GLOBAL)),
    {
      type: 'IfStatement',
      test: { type: 'UnaryExpression', operator: '!', prefix: true, argument: rt },
      consequent: {
        type: 'ThrowStatement',
        argument: { type: 'NewExpression', callee: b.id('Error'), arguments: [b.literal('this program was instrumented by ThingsJS: run it with `thingsctl run` or on a thingsjs-agent')] },
      },
      alternate: null,
    },
    b.varDecl('var', names.metaKey, b.call(b.member(rt, 'codeVersion'), [b.literal(CODE_VERSION)])),
    b.varDecl('var', names.functionTag, b.member(b.id(names.metaKey), 'F')),
    b.varDecl('var', names.otherTag, b.member(b.id(names.metaKey), 'C')),
  ];
  const mainFn: Node = { type: 'FunctionExpression', id: b.id(names.main), params: [], body: b.block(main), async: false, generator: false };
  const register = b.exprStmt(
    b.call(b.member(rt, 'module'), [b.id('module'), b.array(ctx.factories.map((f) => b.id(f.id.name))), mainFn, { type: 'ThisExpression' }, b.id('require')]),
  );
  const out: Node = { type: 'Program', sourceType: 'script', body: [...directives, ...prologue, ...ctx.factories, register] };
  let code: string;
  try {
    code = generate(out as never);
  } catch (err) {
    throw new CompileError('E_INTERNAL', `${filename}: could not print the instrumented program: ${(err as Error).message}`);
  }
  void RESERVED_PREFIX;
  return { code: `${INSTRUMENTED_MARKER}\n${code}`, units: ctx.nextUnit, unchanged: false };
}

/**
 * normalize, then analyze. Most programs have nothing that normalize rewrites, yet finding
 * that out is a walk of the whole tree: so the analysis runs first, in a mode that gives up at
 * the first construct normalize would rewrite (then normalize and the analysis run as
 * before), and that also gives up on any error (normalize could have failed first, or have
 * changed the error): the outcome is always that of normalize then analyze. A program whose
 * text suggests normalize has work (likelyNeedsNormalize: a guess, which only chooses the
 * order) goes through normalize first: an analysis that gives up late is a walk wasted.
 */
function normalizeAndAnalyze(program: Node, text: string, script: boolean, filename: string): Analysis {
  // A text without the keywords: nothing to normalize, nor `super` nor private names.
  // (A script's tree has no node marked NO_POSITION: only esmToCjs makes such nodes.)
  const allPositioned = script;
  if (!mayNeedNormalize(text)) return analyze(program, { noSuper: true, noPrivate: true, allPositioned });
  let analysis: Analysis | null = null;
  // When the text suggests normalize has work, the analysis would likely give up: skipped.
  if (!likelyNeedsNormalize(text, script)) {
    try {
      analysis = analyze(program, { unnormalized: script ? 'script' : 'module', allPositioned });
    } catch {
      analysis = null;
    }
    if (analysis !== null) return analysis;
  }
  const { mayHaveSuper, mayHavePrivate } = normalize(program, text, script, filename);
  return analyze(program, { noSuper: !mayHaveSuper, noPrivate: !mayHavePrivate, allPositioned });
}
