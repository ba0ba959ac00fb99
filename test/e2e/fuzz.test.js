'use strict';
// Fuzz: random and malformed payloads on every topic the agent subscribes to (its request
// topic, its own reply topic, the agent status topics) while a program runs on it. The agent
// stays up, answers every request that names a usable reply topic with one reply (an error
// code, never E_INTERNAL), answers nothing else and publishes nowhere else, and the program
// keeps its state: its output goes on, line after line, with the right totals.
//
//   THINGSJS_FUZZ_COUNT=100000 node --test test/e2e/fuzz.test.js    a longer run (default 10000)
//   THINGSJS_FUZZ_SEED=1234 ...                                     replay a run (the seed is printed)
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const mqtt = require('mqtt');
const { startMosquitto } = require('./support/mosquitto');
const { requireBuild, thingsctl, AgentProcess, writeConf } = require('./support/cli');
const { within } = require('./support/wait');

const COUNT = Number(process.env.THINGSJS_FUZZ_COUNT || 10000);
const SEED = Number(process.env.THINGSJS_FUZZ_SEED || Math.floor(Math.random() * 2 ** 31));
const STEADY = path.join(__dirname, 'fixtures', 'steady.js');
const ROOT = 'thingsjs/v1';
const AGENT = 'fuzz-target';
const REQ = `${ROOT}/agents/${AGENT}/req`;
const REPLY = `${ROOT}/clients/fuzz/reply`;
const BATCH = 200;
const T = 20000;
/** Codes a bad request may get. E_INTERNAL would mean a request reached code that broke. */
const EXPECTED_CODES = new Set(['E_BAD_REQUEST', 'E_UNKNOWN_ACTION', 'E_UNKNOWN_PROCESS', 'E_BAD_STATE', 'E_TOO_LARGE', 'E_UNSUPPORTED', 'E_SNAPSHOT_CORRUPT', 'E_SNAPSHOT_VERSION', 'E_RESTORE_FAILED', 'E_UNKNOWN_AGENT', 'E_AGENT_OFFLINE']);

/** mulberry32: a small seeded generator, so that a failing run can be replayed. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generator(random, realId) {
  const int = (n) => Math.floor(random() * n);
  const pick = (xs) => xs[int(xs.length)];
  const chance = (p) => random() < p;
  const bytes = (n) => Buffer.from(Array.from({ length: n }, () => int(256)));
  const chars = 'abcXYZ019/+#.$_-\\ "\'\u0000\u00e9\u4e2d\ud83d\ude00\ud800';
  const str = (max = 40) => Array.from({ length: int(max) }, () => chars[int(chars.length)]).join('');
  const huge = () => pick(['x', '\u00e9', '{', '"']).repeat(256 * 1024 + int(1024 * 1024));
  const deep = (depth) => (chance(0.5) ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth));
  let id;
  do id = Array.from({ length: 8 }, () => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'[int(62)]).join('');
  while (id === realId);
  const processId = () => {
    let v;
    do v = Array.from({ length: 8 }, () => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'[int(62)]).join('');
    while (v === realId);
    return v;
  };
  const anyValue = (depth = 0) => {
    switch (int(depth > 3 ? 6 : 9)) {
      case 0: return null;
      case 1: return chance(0.5);
      case 2: return pick([0, -1, 1.5, 1e308, -0, 2 ** 53 + 1]);
      case 3: return str();
      case 4: return pick(['', '__proto__', 'constructor', 'toString', '../../etc/passwd', 'AAAAAAAA']);
      case 5: return processId();
      case 6: return Array.from({ length: int(4) }, () => anyValue(depth + 1));
      case 7: return Object.fromEntries(Array.from({ length: int(4) }, () => [pick(['id', 'name', 'source', 'files', 'main', '__proto__', 'constructor', str(8)]), anyValue(depth + 1)]));
      default: return { __proto__: null, ['__proto__']: { polluted: true }, constructor: { prototype: { polluted: true } } };
    }
  };
  /** `args` for an action, always wrong somewhere, or naming a process that is not here:
   *  a fuzz run must never start a program (run/restore with valid arguments) nor touch the
   *  real one. */
  const badArgs = (action) => {
    switch (action) {
      case 'run':
        return pick([
          {},
          { name: pick(['', '.', '..', 'a/b.js', 'x\u0000.js', 'n'.repeat(300), 5, null]), source: 'console.log(1)' },
          { name: 'ok.js', source: anyValue() === 1 ? 1 : pick([1, null, [], {}, true]) },
          { name: 'ok.js', source: '', files: { main: 'a.js', files: { 'a.js': '' } } },
          { name: 'ok.js', files: pick([null, [], 'x', { main: 'missing.js', files: { 'a.js': '' } }, { main: '../a.js', files: { '../a.js': '' } }, { main: 'a.js', files: {} }, { main: 'a.js', files: { 'a.js': 1 } }, { main: 'a', files: { a: '', 'a/b': '' } }, { main: 'a.js', files: { 'a.js': '' }, base64: ['a.js'] }]) },
          { name: 'ok.js', source: 'x', args: pick([1, [1], 'a', [null]]) },
        ]);
      case 'pause':
      case 'resume':
      case 'kill':
      case 'snapshot':
        return pick([{}, { id: anyValue() }, { id: processId() }, { id: processId() }, { id: '../../etc' }]);
      case 'restore':
        return pick([{}, { snapshot: pick([1, null, [], {}, '']) }, { snapshot: 'x', id: 'bad id' }, { snapshot: 'x', paused: 'yes' }, { snapshot: 'x', name: 'a/b' }, { snapshot: 'x', files: [] }]);
      case 'migrate':
        return pick([{}, { id: processId() }, { id: processId(), target: pick(['', 'a/b', '#', '+', 5, AGENT]) }, { id: processId(), target: 'elsewhere' }, { id: processId(), target: 'x', timeoutMs: pick([-1, 0, 'soon', null]) }]);
      default:
        return anyValue();
    }
  };
  const actions = ['run', 'pause', 'resume', 'kill', 'snapshot', 'restore', 'migrate', 'list', 'logs'];
  let garbageRestores = 0;
  let n = 0;

  /** One message: { topic, payload, props, expect: reply key or undefined }. */
  return function next() {
    n += 1;
    const kind = random();
    // 15 %: the agent's own reply topic (replies to requests it never made).
    if (kind < 0.15) {
      const payload = chance(0.5) ? bytes(int(200)) : JSON.stringify(pick([{ v: 1, correlationId: str(), ok: chance(0.5), result: anyValue() }, { correlationId: 5, ok: 'yes' }, anyValue(), { v: 1, correlationId: null, ok: false, error: anyValue() }]));
      return { topic: `${ROOT}/agents/${AGENT}/reply`, payload };
    }
    // 15 %: other agents' status topics (not retained: nothing of this should outlive the test).
    if (kind < 0.3) {
      const other = `fz${int(50)}`;
      const payload = chance(0.3) ? bytes(int(300)) : JSON.stringify(pick([{ v: 1, id: other, status: pick(['online', 'offline', 'weird', 5]), processes: pick([null, [], [null, 5, 'x', { id: processId(), status: 'Running' }], 'nope', anyValue()]) }, anyValue(), { id: AGENT, status: 'offline' }]));
      return { topic: `${ROOT}/agents/${other}/status`, payload };
    }
    // 70 %: requests.
    let body;
    const shape = random();
    if (shape < 0.1) body = bytes(int(2000));
    else if (shape < 0.2) body = pick(['', '{', '{"v":1,', '[]', 'null', '"str"', '1e999', '{"v":1}}', '\u0000', '{"a":1,"a":2}', str(200)]);
    else if (shape < 0.23) body = deep(1000 + int(20000));
    else {
      const action = chance(0.15) ? pick([str(20), 5, null, '__proto__', 'constructor', 'hasOwnProperty', 'toString']) : pick(actions);
      let args = actions.includes(action) ? badArgs(action) : anyValue();
      if (action === 'restore' && garbageRestores < 5 && chance(0.05)) {
        // A request of the right shape with a snapshot that is not one: the agent tries it
        // (a child process), which fails. Only a few, they cost a process each.
        garbageRestores += 1;
        args = { snapshot: pick(['{}', '{"format":"thingsjs-snapshot","version":999}', str(500), huge().slice(0, 10000)]) };
      }
      const env = { v: pick([1, 1, 1, 1, 0, 2, '1', null, -1, 1.5]), action, args };
      if (chance(0.03)) env.args = deep(2000);
      if (chance(0.004)) env.action = huge();
      if (chance(0.002)) env.args = { name: huge(), source: huge() };
      body = env;
    }
    const corr = `f${n}-${int(1e9)}`;
    const route = random();
    const props = {};
    let expect;
    if (typeof body === 'object' && !Buffer.isBuffer(body)) {
      if (route < 0.6) {
        // MQTT 5 properties (what a v5 client sends); sometimes binary correlation data.
        props.responseTopic = REPLY;
        props.correlationData = chance(0.2) ? Buffer.concat([bytes(1 + int(32)), Buffer.from(`#${n}`)]) : Buffer.from(corr);
        // (MQTT strings: the broker would drop a client that sent U+0000 in one.)
        if (chance(0.1)) props.userProperties = { [`k${int(100)}`]: str(10).replace(/\u0000/g, '') };
        if (chance(0.3)) {
          body.replyTo = pick([`${ROOT}/agents/${AGENT}/status`, '#', 5]);
          body.correlationId = str(5);
        }
        expect = props.correlationData.toString('hex');
      } else if (route < 0.85) {
        // In the payload only (an MQTT 3.1.1 client).
        body.replyTo = REPLY;
        body.correlationId = corr;
        expect = Buffer.from(corr).toString('hex');
      } else if (route < 0.95) {
        // A reply topic the agent must refuse: a status topic, another agent's requests,
        // a wildcard, a NUL, too long, not a string: no reply at all.
        body.replyTo = pick([`${ROOT}/agents/${AGENT}/status`, `${ROOT}/agents/other/req`, `${ROOT}/clients/#`, `${ROOT}/clients/a\u0000b/reply`, 'x'.repeat(70000), 7, ['a'], `${ROOT}/procs/${realId}/out`]);
        body.correlationId = corr;
      } else if (route < 0.98) {
        // A correlation id too long to remember: answered, with correlationId null.
        body.replyTo = REPLY;
        body.correlationId = 'c'.repeat(257 + int(5000));
        expect = `payload:${body.correlationId.length}`;
      }
      // else: no reply topic at all.
      body = JSON.stringify(body);
    } else if (route < 0.5) {
      props.responseTopic = REPLY;
      props.correlationData = Buffer.from(corr);
      expect = props.correlationData.toString('hex');
    }
    return { topic: REQ, payload: body, props, expect };
  };
}

let tmp;
let broker;
let agent;
let client;

describe(`fuzz: ${COUNT} malformed messages (seed ${SEED})`, () => {
  before(async () => {
    requireBuild();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'thingsjs-fuzz-'));
    broker = await startMosquitto(tmp);
    const conf = writeConf(path.join(tmp, 'agent.conf'), { agent: { id: AGENT, state_dir: path.join(tmp, 'state') }, broker: { address: `127.0.0.1:${broker.port}` } });
    agent = new AgentProcess(AGENT, ['--config', conf]);
    await agent.connected(T);
    client = mqtt.connect(broker.url, { protocolVersion: 5, reconnectPeriod: 0, clientId: `e2e-fuzz-${process.pid}` });
    await within(new Promise((resolve, reject) => {
      client.once('connect', resolve);
      client.once('error', reject);
    }), T, 'the fuzz client to connect');
  });

  after(async () => {
    if (client) client.end(true);
    if (agent) await agent.stop().catch(() => agent.kill());
    if (broker) await broker.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('the agent stays up, answers what it can with error codes, and the running program keeps its state', async () => {
    // Everything anyone but us publishes under the root (noLocal: not our own messages).
    const seen = { replies: new Map(), output: [], status: [], elsewhere: [] };
    const waiting = new Map();
    let realId;
    let fuzzing = false;
    client.on('message', (topic, payload, packet) => {
      if (topic === REPLY) {
        const data = packet.properties && packet.properties.correlationData;
        let json;
        try {
          json = JSON.parse(payload.toString());
        } catch {
          json = undefined;
        }
        const key = data ? data.toString('hex') : json && json.correlationId === null ? 'null' : undefined;
        seen.replies.set(key, (seen.replies.get(key) || []).concat([json]));
        const w = waiting.get(key) || (json && json.correlationId === null ? waiting.get('null') : undefined);
        if (w) w();
      } else if (/^thingsjs\/v1\/procs\/[A-Za-z0-9]{8}\/out$/.test(topic)) {
        seen.output.push({ topic, ...JSON.parse(payload.toString()) });
      } else if (topic === `${ROOT}/agents/${AGENT}/status`) {
        seen.status.push(payload.toString());
      } else if (fuzzing) {
        seen.elsewhere.push(topic);
      }
    });
    await client.subscribeAsync({ [`${ROOT}/#`]: { qos: 1, nl: true } });

    const run = await thingsctl(['dispatch', broker.url, 'run', AGENT, STEADY]);
    assert.equal(run.code, 0, run.stderr);
    realId = /id: '([A-Za-z0-9]{8})'/.exec(run.stdout)[1];
    const pid = Number(/pid: (\d+)/.exec(run.stdout)[1]);
    const beats = () => seen.output.filter((o) => o.id === realId).map((o) => o.data);
    const until = (pred, what) =>
      within(
        new Promise((resolve) => {
          const t = setInterval(() => pred() && (clearInterval(t), resolve()), 20);
        }),
        T,
        what,
      );
    await until(() => beats().length >= 3, 'the program to print');

    const next = generator(prng(SEED), realId);
    const started = Date.now();
    fuzzing = true;
    let expected = 0;
    let unanswerable = 0;
    let longIds = 0;
    let bytesSent = 0;
    for (let sent = 0; sent < COUNT; ) {
      const batch = [];
      for (let i = 0; i < BATCH && sent < COUNT; i++, sent++) {
        const m = next();
        bytesSent += Buffer.byteLength(m.payload);
        if (m.expect && m.expect.startsWith('payload:')) {
          longIds += 1;
          m.expect = undefined; // answered with correlationId null: counted below, not awaited one by one
        }
        if (m.expect) {
          expected += 1;
          if (!seen.replies.has(m.expect)) batch.push(new Promise((resolve) => waiting.set(m.expect, resolve)));
        } else if (m.topic === REQ) unanswerable += 1;
        client.publish(m.topic, m.payload, { qos: 1, properties: m.props });
      }
      await within(Promise.all(batch), T, `the replies to batch ending at message ${sent} (seed ${SEED})`);
      waiting.clear();
      assert.ok(agent.running, `the agent is running after ${sent} messages`);
    }
    // A last request: when it is answered, everything before it has been handled.
    const last = await new Promise((resolve) => {
      waiting.set(Buffer.from('last').toString('hex'), resolve);
      client.publish(REQ, JSON.stringify({ v: 1, action: 'list', args: {} }), { qos: 1, properties: { responseTopic: REPLY, correlationData: Buffer.from('last') } });
    }).then(() => seen.replies.get(Buffer.from('last').toString('hex'))[0]);
    fuzzing = false;
    const elapsed = Date.now() - started;
    console.log(`# ${COUNT} messages (${(bytesSent / 1024 / 1024).toFixed(1)} MiB) in ${elapsed} ms; ${expected} answered as expected, ${unanswerable} requests without a usable reply topic, ${longIds} with an over-long correlation id`);

    assert.equal(last.ok, true);
    const record = last.result.find((p) => p.id === realId);
    assert.deepEqual([record.status, record.pid], ['Running', pid], 'the program is the same process, still running');

    // Every expected reply came once, as an error with a stable code (or a result for list).
    const codes = {};
    let replied = 0;
    for (const [key, replies] of seen.replies) {
      if (key === 'null' || key === Buffer.from('last').toString('hex')) continue;
      assert.equal(replies.length, 1, `one reply per request (${key})`);
      const r = replies[0];
      replied += 1;
      assert.ok(r && r.v === 1 && r.agent === AGENT, `a well-formed reply: ${JSON.stringify(r).slice(0, 200)}`);
      const code = r.ok ? 'ok' : r.error.code;
      codes[code] = (codes[code] || 0) + 1;
      assert.ok(r.ok || EXPECTED_CODES.has(r.error.code), `an expected error code, got ${r.error && r.error.code}: ${r.error && r.error.message}`);
      assert.ok(!r.ok || Array.isArray(r.result), 'only list succeeds');
      assert.ok(JSON.stringify(r).length < 4096, `a short reply (${JSON.stringify(r).length} characters)`);
    }
    assert.equal(replied, expected, 'every request with a usable reply topic was answered');
    assert.equal((seen.replies.get('null') || []).length, longIds, 'over-long correlation ids are answered with correlationId null');
    console.log(`# reply codes: ${JSON.stringify(codes)}`);

    // Nothing published anywhere else; the agent's status stayed its own.
    assert.deepEqual(seen.elsewhere, [], 'the agent published only replies, output and its status');
    for (const s of seen.status) {
      const json = JSON.parse(s);
      assert.equal(json.id, AGENT);
      assert.equal(json.status, 'online');
    }

    // The program kept its state all along, and goes on.
    const before = beats().length;
    await until(() => beats().length >= before + 5, 'more output after the fuzz');
    beats().forEach((line, i) => assert.equal(line, `beat ${i + 1} total ${((i + 1) * (i + 2)) / 2}\n`, `output line ${i + 1}`));
    assert.ok(!agent.lines.items.some((l) => /uncaught exception|unhandled rejection/.test(l)), 'no uncaught error in the agent');
    assert.ok(agent.lines.items.some((l) => /more bad requests in the last minute were not logged|bad request/.test(l)), 'bad requests are logged');
    const kill = await thingsctl(['dispatch', broker.url, 'kill', realId]);
    assert.equal(kill.code, 0, 'thingsctl still works');
  });
});
