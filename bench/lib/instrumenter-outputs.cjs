'use strict';
// Checks that a change to the compiler leaves its output unchanged, byte for byte: instruments
// every .js/.cjs/.mjs file under test/, bench/programs/, examples/ and node_modules/ (both goals
// for .js), plus a few error cases, with the build in DIST, and writes one line per file (sha1 of
// the output and the unit count, or the error code, message and position).
//   node bench/lib/instrumenter-outputs.cjs dist /tmp/before.json     (build of the base)
//   node bench/lib/instrumenter-outputs.cjs dist /tmp/after.json      (build of the change)
//   node bench/lib/instrumenter-outputs.cjs --compare /tmp/before.json /tmp/after.json
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');

if (process.argv[2] === '--compare') {
  const a = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
  const b = JSON.parse(fs.readFileSync(process.argv[4], 'utf8'));
  let diff = 0;
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (a[k] === b[k]) continue;
    if (diff++ < 20) console.log(`${k}\n  before: ${a[k]}\n  after:  ${b[k]}`);
  }
  console.log(`${diff} of ${Object.keys(a).length} differ`);
  process.exit(diff ? 1 : 0);
}

const root = path.resolve(__dirname, '..', '..');
const { instrument } = require(path.resolve(process.argv[2], 'lib.js'));
const files = [];
const walk = (d) => {
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) walk(p);
    else if (/\.(c|m)?js$/.test(e.name)) files.push(p);
  }
};
for (const d of ['test', 'bench/programs', 'examples', 'node_modules']) if (fs.existsSync(path.join(root, d))) walk(path.join(root, d));
files.sort();

const out = {};
const run = (key, src, filename, goal) => {
  let r;
  try {
    const res = instrument(src, { filename, goal });
    r = `${crypto.createHash('sha1').update(res.code).digest('hex')} ${res.units}`;
  } catch (e) {
    r = `ERR ${e.code || ''} ${e.message} ${e.line}:${e.column}`;
  }
  out[`${key}|${goal}`] = r;
};
for (const f of files) {
  let src;
  try {
    src = fs.readFileSync(f, 'utf8');
  } catch {
    continue;
  }
  if (src.length > 3e6) continue;
  const rel = path.relative(root, f);
  for (const goal of f.endsWith('.mjs') ? ['module'] : f.endsWith('.cjs') ? ['script'] : ['script', 'module']) run(rel, src, rel, goal);
}
// Error positions (line/column from the offset: compiler/position.ts) and rare constructs.
const snippets = [
  'var a = 1;\n  var $tjs_x = 2;',
  '\r\nfunction f() {\r\n  with (o) { x; }\n}',
  'function f(){\n\u2028  eval("x")\n}',
  'let q;\n\n  function g(a, b = () => a, {c}) {}',
  'for (let [a] = [1]; ; ) { (() => a); break; }',
  '\n\n\tawait x;',
  'x;\nfor await (const a of b) {}',
  'class A { \\u0063onstructor({a}) { this.a = a; } }',
  'class A extends B { #x = 1; async m() { await super.m(this.#x); } }',
  'const o = { __proto__: p, m() { return super.m(); } }',
  'import("x"); import /*c*/ ("y")',
  'var s = "\\u{1F600}"; `a${1}b`; 1e400; 0x10; 10n; /a/gu;',
  'for (var x = function(){ return y; } in o) { var y = () => x; }',
  'for (var k in (function(){ return eval("1"); })()) { eval("2"); }',
  'function f(a = () => a, b = arguments) { return () => [a, b, arguments]; }',
  'let {a, b: {c = () => a}, ...r} = o; [x, {y: z.w}] = q; (() => [a, c, r, x, z]);',
  'lbl: for (const [i, {j}] of xs) { setTimeout(() => i + j); continue lbl; }',
  'class A extends B { #p = 1; static s = () => this; m() { return () => super.m() + this.#p; } async n() { await super.n(); return this.#p; } }',
  'switch (v) { case 1: let q = 2; f(() => q); function h() { return q; } }',
  'x.$tjs_bad = 1;',
  'l: { break l; } $tjs_l: ;',
];
snippets.forEach((src, i) => {
  for (const goal of ['script', 'module']) run(`snippet${i}`, src, `s${i}`, goal);
});
fs.writeFileSync(process.argv[3], JSON.stringify(out, null, 0).replace(/","/g, '",\n"'));
console.log(`${Object.keys(out).length} results written to ${process.argv[3]}`);
