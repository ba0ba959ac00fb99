// esbuild plugins of the shipped bundles (scripts/build.mjs; packaging/debian-copyright.mjs
// lists the npm packages of the same bundles). They keep code a device never runs from
// loading at every start, and fail the build when a rewritten file has changed.
import { readFileSync } from 'node:fs';

// mqtt.js's connect() fills its table of transports on the first connection, loading every
// one: the WebSocket one (the ws package, with Node's http, https and zlib) and the TLS one
// even for an mqtt:// broker. In the bundle, each loads on its first use instead.
const WS_EAGER = [
  ["protocols.ws = require('./ws').streamBuilder;", "protocols.ws = (c, o) => require('./ws').streamBuilder(c, o);"],
  ["protocols.wss = require('./ws').streamBuilder;", "protocols.wss = (c, o) => require('./ws').streamBuilder(c, o);"],
  ["protocols.ssl = require('./tls').default;", "protocols.ssl = (c, o) => require('./tls').default(c, o);"],
  ["protocols.mqtts = require('./tls').default;", "protocols.mqtts = (c, o) => require('./tls').default(c, o);"],
];
// Its TCP transport loads the SOCKS proxy client (the socks package, with Node's dns and
// assert) for every connection; in the bundle, only for a connection through a proxy.
const SOCKS_EAGER = [['const socks_1 = __importDefault(require("./socks"));', 'const socks_1 = { get default() { return __importDefault(require("./socks")).default; } };']];

/** Rewrites `lines` in the mqtt.js file matching `filter`, or fails the build if one is gone. */
const rewrite = (filter, lines) => (b) =>
  b.onLoad({ filter }, (args) => {
    let text = readFileSync(args.path, 'utf8');
    for (const [from, to] of lines) {
      // A newer mqtt.js that no longer has these lines must be looked at, not bundled as is.
      if (!text.includes(from)) throw new Error(`${args.path}: expected \`${from}\` (mqtt.js changed: review scripts/build.mjs)`);
      text = text.replace(from, to);
    }
    return { contents: text, loader: 'js' };
  });

// Its keepalive timer module loads the worker-timers package (for browsers; with Babel's
// runtime helpers, 25 modules) whatever timers it uses; in the bundle, only when used.
const WORKER_TIMERS_EAGER = [
  ['const worker_timers_1 = require("worker-timers");', ''],
  [
    'const workerTimer = {\n    set: worker_timers_1.setInterval,\n    clear: worker_timers_1.clearInterval,\n};',
    'const workerTimer = {\n    set: (f, t) => require("worker-timers").setInterval(f, t),\n    clear: (id) => require("worker-timers").clearInterval(id),\n};',
  ],
];

// lru-cache (mqtt.js's topic aliases) reads the global `performance` when it loads, which
// loads Node's perf_hooks (ten modules); it needs the clock only for entries with a TTL,
// which mqtt.js does not use. In the bundle, the global is read when the clock is.
const PERF_EAGER = [
  [
    "const perf = typeof performance === 'object' &&\n    performance &&\n    typeof performance.now === 'function'\n    ? performance\n    : Date;",
    "const perf = { now: () => (typeof performance === 'object' && performance && typeof performance.now === 'function' ? performance : Date).now() };",
  ],
];

export const lazyMqttTransports = {
  name: 'lazy-mqtt-transports',
  setup(b) {
    rewrite(/[\\/]mqtt[\\/]build[\\/]lib[\\/]connect[\\/]index\.js$/, WS_EAGER)(b);
    rewrite(/[\\/]mqtt[\\/]build[\\/]lib[\\/]connect[\\/]tcp\.js$/, SOCKS_EAGER)(b);
    rewrite(/[\\/]mqtt[\\/]build[\\/]lib[\\/]get-timer\.js$/, WORKER_TIMERS_EAGER)(b);
    rewrite(/[\\/]lru-cache[\\/]dist[\\/]commonjs[\\/]index\.js$/, PERF_EAGER)(b);
  },
};

/**
 * The readable-stream package is a copy of Node's streams for other platforms; three copies
 * were bundled (winston's and winston-transport's version 3, mqtt.js's version 4), each
 * initialised at start (~60 modules). On Node, these resolve to Node's own streams, which is
 * what readable-stream copies (version 4 is Node 18's; version 3, Node 10's, whose consumers
 * here use only the classes).
 */
const STREAM_CLASSES = { _stream_readable: 'Readable', _stream_writable: 'Writable', _stream_duplex: 'Duplex', _stream_transform: 'Transform', _stream_passthrough: 'PassThrough' };
export const nodeStreams = {
  name: 'node-streams',
  setup(b) {
    b.onResolve({ filter: /^readable-stream(\/.*)?$/ }, (args) => ({ path: args.path, namespace: 'node-streams' }));
    b.onLoad({ filter: /.*/, namespace: 'node-streams' }, (args) => {
      if (args.path === 'readable-stream') return { contents: "module.exports = require('node:stream');", loader: 'js' };
      const m = /^readable-stream\/lib\/(_stream_[a-z]+)(\.js)?$/.exec(args.path);
      const cls = m && STREAM_CLASSES[m[1]];
      // Another deep import must be looked at, not bundled as a guess.
      if (!cls) throw new Error(`${args.path}: no Node stream stands for it (review scripts/build.mjs)`);
      return { contents: `module.exports = require('node:stream').${cls};`, loader: 'js' };
    });
  },
};

export const bundlePlugins = [lazyMqttTransports, nodeStreams];
