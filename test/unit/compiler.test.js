'use strict';
// Instrumenter: error codes, idempotence, reserved names, and one golden sample of the
// printed shape (regenerate with UPDATE_GOLDEN=1 npm test -- unit).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { instrument, INSTRUMENTED_MARKER } = require('../../dist/lib.js');

function codeOf(fn) {
  try {
    fn();
  } catch (err) {
    return { code: err.code, message: err.message };
  }
  return null;
}

test('a syntax error is E_PARSE with the line and column', () => {
  const e = codeOf(() => instrument('let a = 1;\nlet b = ;\n', { filename: 'bad.js' }));
  assert.equal(e.code, 'E_PARSE');
  assert.match(e.message, /bad\.js/);
  assert.match(e.message, /line 2/);
});

test('programs that use the reserved prefix are rejected', () => {
  for (const src of ['var $tjs_rt = 1;', 'function f($tjs_e0) {}', 'let { a: $tjs_x } = {};', 'function $tjs_f1() {}']) {
    const e = codeOf(() => instrument(src));
    assert.equal(e?.code, 'E_RESERVED_NAME', src);
    assert.match(e.message, /reserved for ThingsJS/);
  }
});

test('the with statement is refused with a clear error', () => {
  const e = codeOf(() => instrument('with (Math) { max(1, 2) }'));
  assert.equal(e.code, 'E_UNSUPPORTED_SYNTAX');
  assert.match(e.message, /with/);
});

test('instrumenting twice is a no-op', () => {
  const src = 'let n = 0; setTimeout(() => console.log(++n), 1);';
  const once = instrument(src).code;
  const twice = instrument(once);
  assert.equal(twice.unchanged, true);
  assert.equal(twice.code, once);
  assert.ok(once.startsWith(INSTRUMENTED_MARKER));
});

test('a hashbang line is accepted', () => {
  const { code } = instrument('#!/usr/bin/env node\nconsole.log(1)\n');
  assert.match(code, /console\.log\(1\)/);
});

test('locals that no closure captures stay native variables', () => {
  const { code } = instrument('function f(a) { let x = a * 2; for (let i = 0; i < 3; i++) x += i; return x; }');
  assert.match(code, /let x = a \* 2/);
  assert.match(code, /for \(let i = 0; i < 3; i\+\+\)/);
  assert.doesNotMatch(code, /\$tjs_e\d+ = \{/);
});

test('golden: closures sample', () => {
  const dir = path.join(__dirname, 'golden');
  const src = fs.readFileSync(path.join(dir, 'closures.in.js'), 'utf8');
  const out = instrument(src, { filename: 'closures.in.js' }).code;
  const goldenFile = path.join(dir, 'closures.out.js');
  if (process.env.UPDATE_GOLDEN) fs.writeFileSync(goldenFile, out);
  assert.equal(out, fs.readFileSync(goldenFile, 'utf8'));
});

test('direct eval is refused; indirect eval and a local named eval are not', () => {
  const e = codeOf(() => instrument('let x = 1;\nconsole.log(eval("x"));\n'));
  assert.equal(e.code, 'E_UNSUPPORTED_SYNTAX');
  assert.match(e.message, /direct eval/);
  assert.match(e.message, /line 2/);
  assert.doesNotThrow(() => instrument('console.log((0, eval)("1"));'));
  assert.doesNotThrow(() => instrument('function f(eval) { return eval("1"); }'));
});

test('an error found after parsing points at the first offending node in source order', () => {
  // The analysis walks a for-in's body before its head; the error still names the head.
  const e = codeOf(() => instrument('var o = {};\nfor (var k in eval("o")) {\n  eval("k");\n}\n'));
  assert.equal(e.code, 'E_UNSUPPORTED_SYNTAX');
  assert.match(e.message, /line 2, column 15\)/);
  const w = codeOf(() => instrument('var a;\n  with (a) {}\n'));
  assert.match(w.message, /line 2, column 3\)/);
});

test('only closures that can run before a let is initialised read it through the TDZ check', () => {
  // (`early` escapes before the let: it can run from there; a function nothing names never runs.)
  const { code } = instrument('function early() { return x; }\nglobalThis.e = early;\nlet x = 1;\nconst late = () => x;\n');
  assert.equal(code.match(/\.tdz\(/g)?.length, 1);
  assert.match(code, /function early\(\) \{\s*return \$tjs_rt\.tdz\(/);
});
