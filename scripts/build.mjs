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

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const version = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version;
// mqtt.js's connect() fills its table of transports on the first connection, loading every
// one: the WebSocket one (the ws package, with Node's http, https and zlib) and the TLS one
// even for an mqtt:// broker. In the bundle, each loads on its first use instead.
const WS_EAGER = [
  ["protocols.ws = require('./ws').streamBuilder;", "protocols.ws = (c, o) => require('./ws').streamBuilder(c, o);"],
  ["protocols.wss = require('./ws').streamBuilder;", "protocols.wss = (c, o) => require('./ws').streamBuilder(c, o);"],
  ["protocols.ssl = require('./tls').default;", "protocols.ssl = (c, o) => require('./tls').default(c, o);"],
  ["protocols.mqtts = require('./tls').default;", "protocols.mqtts = (c, o) => require('./tls').default(c, o);"],
];
const lazyMqttWebSocket = {
  name: 'lazy-mqtt-websocket',
  setup(b) {
    b.onLoad({ filter: /[\\/]mqtt[\\/]build[\\/]lib[\\/]connect[\\/]index\.js$/ }, (args) => {
      let text = readFileSync(args.path, 'utf8');
      for (const [from, to] of WS_EAGER) {
        // A newer mqtt.js that no longer has these lines must be looked at, not bundled as is.
        if (!text.includes(from)) throw new Error(`${args.path}: expected \`${from}\` (mqtt.js changed: review scripts/build.mjs)`);
        text = text.replace(from, to);
      }
      return { contents: text, loader: 'js' };
    });
  },
};

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
  plugins: [lazyMqttWebSocket],
});
