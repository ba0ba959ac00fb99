#!/usr/bin/env node
// Writes debian/copyright (machine-readable, DEP-5) from what the shipped bundles really
// contain: esbuild's metafile names every npm package compiled into dist/thingsjs-agent.js,
// dist/child.js and dist/thingsctl.js; each one's license and copyright lines come from its
// package.json and LICENSE file in node_modules.
//
//   node packaging/debian-copyright.mjs            print it
//   node packaging/debian-copyright.mjs --write    write debian/copyright
//   node packaging/debian-copyright.mjs --check    exit 1 when debian/copyright is stale
//
// scripts/package.sh runs --check, so a dependency change cannot ship undeclared.
import { build } from 'esbuild';
import { bundlePlugins } from '../scripts/bundle-plugins.mjs';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const target = path.join(root, 'debian', 'copyright');
// The bundles the packages ship (dist/lib.js is for tests and embedding, not packaged).
const entries = { thingsctl: 'cli/main.ts', 'thingsjs-agent': 'agent/daemon/main.ts', child: 'agent/host/child.ts' };

const result = await build({
  absWorkingDir: root,
  entryPoints: entries,
  outdir: path.join(root, 'dist'),
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'cjs',
  write: false,
  metafile: true,
  logLevel: 'error',
  define: { THINGSJS_VERSION: '"0"' },
  plugins: bundlePlugins,
});

const packages = new Set();
for (const output of Object.values(result.metafile.outputs)) {
  for (const input of Object.keys(output.inputs)) {
    const m = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m) packages.add(m[1]);
  }
}

const LICENSES = {
  MIT: `Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:
.
The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.
.
THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.`,
  ISC: `Permission to use, copy, modify, and/or distribute this software for any
purpose with or without fee is hereby granted, provided that the above
copyright notice and this permission notice appear in all copies.
.
THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.`,
  'BSD-3-clause': `Redistribution and use in source and binary forms, with or without
modification, are permitted provided that the following conditions are met:
.
1. Redistributions of source code must retain the above copyright notice,
   this list of conditions and the following disclaimer.
.
2. Redistributions in binary form must reproduce the above copyright notice,
   this list of conditions and the following disclaimer in the documentation
   and/or other materials provided with the distribution.
.
3. Neither the name of the copyright holder nor the names of its contributors
   may be used to endorse or promote products derived from this software
   without specific prior written permission.
.
THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS"
AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE
IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE
DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDER OR CONTRIBUTORS BE LIABLE
FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL
DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR
SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER
CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY,
OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE
OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.`,
};
// SPDX (package.json) → DEP-5 short names.
const SHORT = { MIT: 'MIT', ISC: 'ISC', 'BSD-3-Clause': 'BSD-3-clause' };

function copyrightLines(dir) {
  const file = readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.md|\.txt)?$/i.test(f));
  if (!file) return [];
  const lines = [];
  for (const raw of readFileSync(path.join(dir, file), 'utf8').split('\n')) {
    const line = raw.replace(/^[\s#"*]+/, '').trim();
    // "Copyright (c) 2015 Someone", not the license's own sentences about "the above copyright notice".
    if (!/^copyright\b/i.test(line) || /copyright (notice|holder|owner)/i.test(line)) continue;
    lines.push(line.replace(/^copyright\s*(\(c\)|©)?\s*/i, '').replace(/\s+/g, ' ').replace(/\.$/, ''));
  }
  return [...new Set(lines)];
}

const stanzas = [];
const used = new Set(['MIT']);
for (const name of [...packages].sort()) {
  const dir = path.join(root, 'node_modules', name);
  const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const license = SHORT[pkg.license];
  if (!license) throw new Error(`${name}: license ${JSON.stringify(pkg.license)} is not one this script knows; add its text`);
  used.add(license);
  let holders = copyrightLines(dir);
  if (holders.length === 0) {
    const author = typeof pkg.author === 'string' ? pkg.author : pkg.author?.name;
    holders = [author ? `${author} and contributors` : `${name} contributors`];
  }
  // No version here: the file (and the Yocto recipe's LIC_FILES_CHKSUM over it) changes
  // when the set of bundled packages or their licenses change, not on every update.
  stanzas.push(`Files: node_modules/${name}/*\nCopyright: ${holders.join('\n           ')}\nLicense: ${license}`);
}

const own = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const text = `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: thingsjs
Comment: Generated by packaging/debian-copyright.mjs from the bundles' esbuild metafile.
 The node_modules paths below are where npm ci puts each package that npm run
 build bundles into /usr/share/thingsjs/*.js.

Files: *
Copyright: ThingsJS developers
License: ${SHORT[own.license] ?? own.license}

${stanzas.join('\n\n')}

${[...used].sort().map((l) => `License: ${l}\n${LICENSES[l].replace(/^/gm, ' ')}`).join('\n\n')}
`;

const mode = process.argv[2];
if (mode === '--write') {
  writeFileSync(target, text);
} else if (mode === '--check') {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {}
  if (current !== text) {
    process.stderr.write('debian/copyright does not match the bundled packages: run node packaging/debian-copyright.mjs --write\n');
    process.exit(1);
  }
} else {
  process.stdout.write(text);
}
