#!/usr/bin/env node
// Bundles the product with esbuild. Three entry points:
//   dist/thingsctl.js       admin CLI and local tools
//   dist/thingsjs-agent.js  the device daemon
//   dist/child.js           the program host the agent forks, one per program
//   dist/lib.js             compiler, runtime and snapshot API (tests, embedding)
// Target node18 so the bundles run on Debian bookworm's Node.js 18.20.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { bundlePlugins } from './bundle-plugins.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const version = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version;

const entries = {
  thingsctl: 'cli/main.ts',
  'thingsjs-agent': 'agent/daemon/main.ts',
  child: 'agent/host/child.ts',
  lib: 'agent/lib.ts',
};

await build({
  absWorkingDir: root,
  entryPoints: entries,
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'cjs',
  sourcemap: 'linked',
  legalComments: 'none',
  // Whitespace and comments out, names kept (stack traces stay readable; the source maps
  // lead back to the sources). Comments in dependencies hold non-ASCII characters, which
  // made V8 keep each bundle's source as a two-byte string: 3 MB for the agent alone.
  minifyWhitespace: true,
  charset: 'ascii',
  logLevel: 'warning',
  define: { THINGSJS_VERSION: JSON.stringify(version) },
  plugins: bundlePlugins,
});
