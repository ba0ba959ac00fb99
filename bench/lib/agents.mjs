// A real Mosquitto (the e2e tests' launcher) and thingsjs-agent processes from dist/, each
// with its own INI file and temporary state directory, as the e2e tests start them.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { LineProcess, runToEnd } from './proc.mjs';

const require = createRequire(import.meta.url);
export const { startMosquitto } = require('../../test/e2e/support/mosquitto.js');

export const INITIALISED = / initialised \(/;
export const CONNECTED = / connected to /;

/** The Node flags the installed launcher gives the agent (its #! line): measure what ships. */
export function launcherFlags(root) {
  const first = fs.readFileSync(path.join(root, 'packaging', 'launchers', 'thingsjs-agent'), 'utf8').split('\n')[0];
  return first.split(/\s+/).slice(1).filter((a) => a.startsWith('--'));
}

export function startAgent(ctx, dir, id, brokerPort) {
  const home = path.join(dir, id);
  fs.mkdirSync(home, { recursive: true });
  const ini = path.join(home, 'agent.conf');
  fs.writeFileSync(ini, `; written by the bench\n[agent]\nid = ${id}\nstate_dir = ${path.join(home, 'state')}\n\n[broker]\naddress = 127.0.0.1:${brokerPort}\n`);
  // Plain log lines, whatever the environment (journald format has no timestamps to parse anyway).
  const env = { ...process.env };
  delete env.JOURNAL_STREAM;
  // Started as the package starts it: through the launcher (its flags, and its V8 code cache
  // in a directory shared by the bench's agents: the first start writes it).
  env.THINGSJS_AGENT_BUNDLE = path.resolve(ctx.root, ctx.agent);
  env.THINGSJS_CODE_CACHE_DIR = path.join(dir, 'v8-code-cache');
  fs.mkdirSync(env.THINGSJS_CODE_CACHE_DIR, { recursive: true });
  return new LineProcess(ctx.node, [...launcherFlags(ctx.root), path.join(ctx.root, 'packaging', 'launchers', 'thingsjs-agent'), '--config', ini], { cwd: ctx.root, env });
}

/** thingsctl against the broker; resolves with stdout, throws on a non-zero exit. */
export async function ctl(ctx, args, timeoutMs = 120000) {
  const r = await runToEnd(ctx.node, [ctx.thingsctl, ...args], { cwd: ctx.root, env: { ...process.env, THINGSJS_BROKER: '' }, timeoutMs });
  if (r.code !== 0) throw new Error(`thingsctl ${args.slice(0, 4).join(' ')} failed (${r.code ?? r.signal}): ${r.stderr.trim()}`);
  return { stdout: r.stdout, stderr: r.stderr, ms: r.endMs - r.startMs };
}

const RECORD = /id: '([A-Za-z0-9]+)'/;
export function recordId(stdout) {
  const m = RECORD.exec(stdout);
  if (!m) throw new Error('no process record in ' + JSON.stringify(stdout));
  return m[1];
}
