'use strict';
// A lab for migration tests: a real Mosquitto, real agent processes (restartable, with the
// test-only fault injection of agent/daemon/faults.ts), thingsctl runs that can be killed, and
// the checks that every migration test makes: exactly one copy of the program runs (asked of
// every agent, and seen among the processes of this machine), its output goes on without a
// gap or a repeat, and no program host is left over.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startMosquitto } = require('./mosquitto');
const { ROOT, requireBuild, AgentProcess, writeConf } = require('./cli');
const { Watcher } = require('./watcher');

const THINGSCTL = path.join(ROOT, 'bin', 'thingsctl');
const COUNTER = path.join(__dirname, '..', 'fixtures', 'migration', 'counter.js');
const RECORD = /^\{ agent: '([^']+)', id: '([A-Za-z0-9]{8})', pid: (\d+), status: '(\w+)' \}$/m;
const LIVE = ['Running', 'Paused', 'Migrating', 'Prepared', 'Restarting'];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Line n of fixtures/migration/counter.js. */
function counterLine(n) {
  let total = 0;
  const seen = new Map();
  for (let i = 1; i <= n; i++) {
    total += i;
    seen.set(i % 7, (seen.get(i % 7) || 0) + 1);
  }
  return `line ${n} total ${total} sevens ${seen.get(n % 7)} pad 400`;
}

function parseRecord(stdout) {
  const m = RECORD.exec(stdout);
  return m ? { agent: m[1], id: m[2], pid: Number(m[3]), status: m[4] } : undefined;
}

/** Running (a zombie does not count). */
function alive(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Checks a counter's log: line 1, 2, 3... with no gap; a repeat throws unless allowed.
 *  Returns how many lines came again. */
function checkCounterLog(lines, allowRepeat = false) {
  let expect = 1;
  let repeats = 0;
  for (const [i, text] of lines.entries()) {
    const m = /^line (\d+) /.exec(text);
    const n = m ? Number(m[1]) : NaN;
    if (text !== counterLine(n)) throw new Error(`line ${i + 1} of the log is ${JSON.stringify(text)}`);
    if (n === expect) {
      expect++;
      continue;
    }
    if (n > expect) throw new Error(`gap in the output: line ${expect} is missing (then ${n})\n${lines.slice(Math.max(0, i - 3), i + 2).join('\n')}`);
    if (!allowRepeat) throw new Error(`line ${n} is printed again after line ${expect - 1}`);
    repeats++;
    expect = n + 1;
  }
  return repeats;
}

class MigrationLab {
  /**
   * options.agentConf / brokerConf: extra [agent] / [broker] keys of every agent;
   * options.mosquitto: startMosquitto options (global lines such as max_packet_size).
   */
  constructor(name, options = {}) {
    this.name = name;
    this.options = options;
    this.agents = new Map();
    this.ctls = new Set();
  }

  async start() {
    requireBuild();
    this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), `thingsjs-${this.name}-`));
    this.broker = await startMosquitto(this.tmp, this.options.mosquitto || {});
    // Reconnects by itself (a broker restart); mqtt.js subscribes again.
    this.watcher = new Watcher(this.broker.url, { mqtt: { reconnectPeriod: 200 } });
    await this.watcher.start();
  }

  get url() {
    return this.broker.url;
  }

  iniOf(id) {
    const dir = path.join(this.tmp, id);
    const ini = path.join(dir, 'agent.conf');
    if (!fs.existsSync(ini)) {
      fs.mkdirSync(dir, { recursive: true });
      writeConf(ini, {
        agent: { id, state_dir: path.join(dir, 'state'), migrate_retry_interval: 0.5, migrate_status_interval: 1, ...(this.options.agentConf || {}) },
        broker: { address: `127.0.0.1:${this.broker.port}`, restart_timeout: '0.2 1', ...(this.options.brokerConf || {}) },
      });
    }
    return ini;
  }

  stateOf(id) {
    return path.join(this.tmp, id, 'state');
  }

  /** Starts (or starts again) agent `id`; `faults`: THINGSJS_FAULTS. Resolves once it is online. */
  async startAgent(id, faults) {
    const from = this.watcher.messages.items.length;
    const env = { THINGSJS_FAULTS: faults || '' };
    const agent = new AgentProcess(id, ['--config', this.iniOf(id)], { env });
    this.agents.set(id, agent);
    await agent.connected(30000);
    await this.watcher.messages.until((m) => m.topic === `thingsjs/v1/agents/${id}/status` && m.json && m.json.status === 'online' && m.json.pid === agent.proc.pid, 30000, `${id} to be online`, from);
    return agent;
  }

  agent(id) {
    return this.agents.get(id);
  }

  /** After the agent died (a SIGKILL): starts it again, as systemd would. */
  async restartAgent(id) {
    await this.agents.get(id).exited;
    return this.startAgent(id);
  }

  /** Stops the broker and starts a new one on the same port (nothing persisted). */
  async restartBroker() {
    await this.broker.stop();
    this.broker = await this.broker.restart();
  }

  /** Runs thingsctl; { proc, done } where done resolves with { code, signal, stdout, stderr }. */
  ctl(args) {
    const proc = spawn(process.execPath, [THINGSCTL, ...args], { cwd: ROOT, env: { ...process.env, THINGSJS_BROKER: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.setEncoding('utf8').on('data', (c) => (stdout += c));
    proc.stderr.setEncoding('utf8').on('data', (c) => (stderr += c));
    const done = new Promise((resolve) => proc.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
    const handle = { proc, done };
    this.ctls.add(handle);
    done.then(() => this.ctls.delete(handle));
    return handle;
  }

  async ctlOk(args) {
    const r = await this.ctl(args).done;
    if (r.code !== 0) throw new Error(`thingsctl ${args.join(' ')} failed (${r.code}): ${r.stderr}${r.stdout}`);
    return r;
  }

  /** Runs the counter on `agent`; resolves with its record once it printed `lines` lines. */
  async runCounter(agent, lines = 5) {
    const reply = await this.watcher.rawRequest(agent, { action: 'run', args: { name: 'counter.js', source: fs.readFileSync(COUNTER, 'utf8') } }, { timeoutMs: 30000 });
    if (!reply.ok) throw new Error(`run on ${agent}: ${JSON.stringify(reply.error)}`);
    const rec = reply.result;
    await this.watcher.untilOutput(rec.id, (o) => o.seq >= lines, 20000, `line ${lines} of ${rec.id}`);
    return rec;
  }

  /** A request to an agent; undefined when it does not answer (it is restarting). */
  async request(agent, action, args = {}, timeoutMs = 3000) {
    try {
      return await this.watcher.rawRequest(agent, { action, args }, { timeoutMs });
    } catch {
      return undefined;
    }
  }

  /** Every record of process `id` on every agent (that answers). */
  async records(id) {
    const out = [];
    for (const agent of this.agents.keys()) {
      const r = await this.request(agent, 'list');
      if (r && r.ok) out.push(...r.result.filter((p) => p.id === id));
    }
    return out;
  }

  /** pids of program hosts (dist/child.js) of this lab's agents still on the machine. */
  hosts() {
    const pids = [];
    for (const name of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(name) || !alive(Number(name))) continue;
      try {
        const cmd = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8');
        if (!cmd.includes('child.js')) continue;
        const cwd = fs.readlinkSync(`/proc/${name}/cwd`);
        if (cwd.startsWith(this.tmp)) pids.push(Number(name));
      } catch {
        /* gone, or not ours */
      }
    }
    return pids.sort((a, b) => a - b);
  }

  /**
   * Waits until the migration has settled: thingsctl has finished (or was killed), exactly
   * one agent runs the program, no agent holds a Prepared or Migrating copy of it.
   */
  async settle(id, timeoutMs = 60000) {
    const deadline = Date.now() + timeoutMs;
    let last = [];
    for (;;) {
      if (this.ctls.size === 0) {
        last = await this.records(id);
        const live = last.filter((r) => LIVE.includes(r.status));
        if (live.length === 1 && live[0].status === 'Running' && live[0].pid > 0) return live[0];
      }
      if (Date.now() > deadline) throw new Error(`no settled state of ${id} after ${timeoutMs} ms: ${JSON.stringify(last.map((r) => [r.agent, r.status, r.pid]))}, thingsctl ${this.ctls.size ? 'still running' : 'done'}`);
      await sleep(200);
    }
  }

  /**
   * The checks of every migration: exactly one copy (the agents say so, twice over a quiet
   * period in which a late message could still make a second one; the machine has exactly
   * one host of this lab's programs); its output goes on, without a gap, without a repeat
   * (`allowRepeat`: lines after a checkpoint may come again when the agent running the
   * program was SIGKILLed). Returns { holder, lines, repeats }.
   */
  async checkOneCopy(id, { allowRepeat = false, quietMs = 1500 } = {}) {
    const first = await this.settle(id);
    await sleep(quietMs);
    const again = (await this.records(id)).filter((r) => LIVE.includes(r.status));
    if (again.length !== 1 || again[0].agent !== first.agent || again[0].pid !== first.pid) throw new Error(`copies changed after settling: ${JSON.stringify(again.map((r) => [r.agent, r.status, r.pid]))}`);
    const hosts = this.hosts();
    if (hosts.length !== 1 || hosts[0] !== first.pid) throw new Error(`program hosts on this machine: ${JSON.stringify(hosts)}, expected only ${first.pid} (${first.agent})`);
    if (!alive(first.pid)) throw new Error(`the host ${first.pid} on ${first.agent} is not running`);
    // The output goes on where the holder is...
    const before = (await this.logLines(first.agent, id)).length;
    await this.watcher.untilOutput(id, (o) => o.agent === first.agent && o.seq > before + 2, 20000, `more output of ${id} on ${first.agent}`);
    // ...and the whole of it, as the holder keeps it, is line 1, 2, 3... once each.
    const lines = await this.logLines(first.agent, id);
    const repeats = checkCounterLog(lines, allowRepeat);
    return { holder: first, lines: lines.length, repeats };
  }

  /** The program's log lines (text only) as `agent` keeps them. */
  async logLines(agent, id) {
    const r = await this.request(agent, 'logs', { id }, 5000);
    if (!r || !r.ok) throw new Error(`no log of ${id} from ${agent}: ${JSON.stringify(r && r.error)}`);
    return r.result.lines.map((l) => l.replace(/^\S+ (out|err) /, ''));
  }

  /** Waits for an agent's log line (fault injection says where it holds). */
  untilLine(agent, re, timeoutMs = 30000) {
    return this.agents.get(agent).lines.until((l) => re.test(l), timeoutMs, `${agent}: ${re}`);
  }

  release(agent) {
    const a = this.agents.get(agent);
    if (a && a.running) a.proc.kill('SIGUSR2');
  }

  /** Stops every agent (SIGTERM, then SIGKILL) and forgets them. `kill`: SIGKILL at once
   *  (between cases: quicker than the checkpoints of a stop), then the hosts they leave. */
  async stopAgents({ kill = false } = {}) {
    for (const h of this.ctls) h.proc.kill('SIGKILL');
    if (kill) {
      await Promise.all([...this.agents.values()].map((a) => (a.kill(), a.exited)));
      // Hosts end when their agent's IPC channel closes; whatever is slower goes now.
      const deadline = Date.now() + 5000;
      while (this.hosts().length > 0 && Date.now() < deadline) await sleep(50);
      for (const pid of this.hosts()) process.kill(pid, 'SIGKILL');
    } else {
      await Promise.all([...this.agents.values()].map((a) => a.stop(15000).catch(() => a.kill())));
    }
    this.agents.clear();
  }

  async stop() {
    await this.stopAgents();
    if (this.watcher) await this.watcher.stop();
    if (this.broker) await this.broker.stop().catch(() => undefined);
    if (this.tmp && !process.env.KEEP_TMP) fs.rmSync(this.tmp, { recursive: true, force: true });
  }
}

module.exports = { MigrationLab, counterLine, checkCounterLog, parseRecord, alive, sleep, COUNTER, LIVE };
