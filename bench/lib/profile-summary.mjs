#!/usr/bin/env node
// Summarises a V8 .cpuprofile (node --cpu-prof) as the top functions by self time, with
// positions in dist/ bundles mapped back to their TypeScript sources through the bundles'
// source maps.
//
//   node --cpu-prof --cpu-prof-dir=/tmp/prof dist/thingsctl.js run bench/programs/async.js
//   node bench/lib/profile-summary.mjs /tmp/prof/*.cpuprofile [--top 20]
import fs from 'node:fs';
import path from 'node:path';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const topIndex = args.indexOf('--top');
const top = topIndex === -1 ? 20 : Number(args.splice(topIndex, 2)[1]);
const file = args[0];
if (!file) {
  console.error('usage: node bench/lib/profile-summary.mjs PROFILE.cpuprofile [--top N]');
  process.exit(2);
}

const maps = new Map();
function sourceMapFor(url) {
  if (!maps.has(url)) {
    let map = null;
    try {
      const p = url.startsWith('file://') ? fileURLToPath(url) : url;
      if (p.includes(`${path.sep}dist${path.sep}`) && fs.existsSync(p + '.map')) map = new SourceMap(JSON.parse(fs.readFileSync(p + '.map', 'utf8')));
    } catch {
      map = null;
    }
    maps.set(url, map);
  }
  return maps.get(url);
}

function where(frame) {
  if (!frame.url) return '';
  const map = sourceMapFor(frame.url);
  if (map) {
    const e = map.findEntry(frame.lineNumber, frame.columnNumber);
    if (e && e.originalSource) return `${e.originalSource.replace(/^(\.\.\/)+/, '')}:${e.originalLine + 1}`;
  }
  return `${path.basename(frame.url)}:${frame.lineNumber + 1}`;
}

const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
let total = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const dt = profile.timeDeltas[i] ?? 0;
  const n = nodes.get(profile.samples[i]);
  const key = `${n.callFrame.functionName || '(anonymous)'}  ${where(n.callFrame)}`;
  self.set(key, (self.get(key) ?? 0) + dt);
  total += dt;
}
const rows = [...self].sort((a, b) => b[1] - a[1]).slice(0, top);
console.log(`total ${(total / 1000).toFixed(0)} ms sampled`);
for (const [k, us] of rows) console.log(`${(us / 1000).toFixed(0).padStart(7)} ms ${((us / total) * 100).toFixed(1).padStart(5)} %  ${k}`);
