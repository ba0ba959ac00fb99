'use strict';
// End to end: a program that is a directory (CommonJS and ES modules, its own node_modules,
// a binary file, modules loaded late) sent with `thingsctl dispatch run AGENT DIR`, migrated
// to a second agent and back over a real Mosquitto; and the refusals of bad trees.
//
// Node 18 and 20: node:test with describe/it and top-level hooks only.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFile } = require('node:child_process');
const { startMosquitto } = require('./support/mosquitto');
const { requireBuild, thingsctl, AgentProcess, writeConf, parseRecord, ctlOk } = require('./support/cli');
const { Watcher } = require('./support/watcher');

const PROGRAM = path.join(__dirname, 'fixtures', 'dir-program');
const T = 15000; // bound of every single wait

let tmp;
let broker;
let watcher;
const agents = {};



async function startAgent(id) {
  const dir = path.join(tmp, id);
  fs.mkdirSync(dir);
  // Small messages: the package (files and snapshot) goes in chunks, in the JSON format (a
  // directory program's target is not warmed, so it is not offered the binary one).
  const ini = writeConf(path.join(dir, 'agent.conf'), { agent: { id, state_dir: path.join(dir, 'state') }, broker: { address: `127.0.0.1:${broker.port}`, max_packet_size: '16K' } });
  const agent = new AgentProcess(id, ['--config', ini]);
  agents[id] = agent;
  await agent.connected(T);
  await watcher.untilStatus(id, (s) => s.status === 'online', T, `${id} to be online`);
  return agent;
}

/** Where an agent keeps the files of directory program `id`. */
const programDir = (agent, id) => path.join(tmp, agent, 'state', 'programs', id);

function nativeOutput(dir) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [dir], { encoding: 'utf8', timeout: 60000 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
  });
}

describe('dispatch run AGENT DIR: a program of several files over MQTT', () => {
  before(async () => {
    requireBuild();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'thingsjs-e2e-dir-'));
    broker = await startMosquitto(tmp);
    watcher = new Watcher(broker.url);
    await watcher.start();
    await startAgent('dir-A');
    await startAgent('dir-B');
  });

  after(async () => {
    for (const a of Object.values(agents)) await a.stop().catch(() => a.kill());
    if (watcher) await watcher.stop();
    if (broker) await broker.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('runs a directory, migrates it there and back with its module state; late modules load on the agent running it then', async () => {
    const url = broker.url;
    const native = nativeOutput(PROGRAM); // 8.4 s; runs alongside

    const record = parseRecord(await ctlOk(['dispatch', url, 'run', 'dir-A', PROGRAM]));
    assert.deepEqual([record.agent, record.status], ['dir-A', 'Running']);
    const listed = await watcher.untilProcess('dir-A', record.id, () => true, T, 'the process in dir-A status');
    assert.equal(listed.name, 'dir-program', 'the record is named after the directory');
    // ls: AGENT ID STATUS PID CPU MEM LIMIT RESTARTS PROGRAM NOTE
    assert.match(await ctlOk(['ls', url]), new RegExp(`^dir-A\\s+${record.id}\\s+Running\\s+\\d+\\s+\\S+\\s+\\S+\\s+-\\s+0\\s+dir-program$`, 'm'));
    // The whole tree is on the agent, node_modules and binary files included.
    const onA = programDir('dir-A', record.id);
    assert.equal(fs.readFileSync(path.join(onA, 'node_modules', 'tiny-pad', 'pad.js'), 'utf8'), fs.readFileSync(path.join(PROGRAM, 'node_modules', 'tiny-pad', 'pad.js'), 'utf8'));
    assert.deepEqual(fs.readFileSync(path.join(onA, 'data', 'blob.bin')), fs.readFileSync(path.join(PROGRAM, 'data', 'blob.bin')));

    // Migrate before tick 25, when plugins/late-one.js is first required: paused first, so
    // that a slow migration on a loaded machine cannot let tick 25 happen on dir-A (a paused
    // program's clock stands still, and it arrives paused).
    await watcher.untilOutput(record.id, (o) => o.data === 'tick 3 total 18 [003|3] - -\n', T, 'tick 3 on dir-A');
    await ctlOk(['dispatch', url, 'pause', record.id]);
    const moved = parseRecord(await ctlOk(['dispatch', url, 'migrate', record.id, 'dir-B']));
    assert.deepEqual([moved.agent, moved.id, moved.status], ['dir-B', record.id, 'Paused']);
    await ctlOk(['dispatch', url, 'resume', record.id]);
    assert.ok(!fs.existsSync(onA), 'the source removed its copy of the program once it had moved');
    assert.ok(fs.existsSync(path.join(programDir('dir-B', record.id), 'plugins', 'late-one.js')), 'the target has the program files');
    const onB = await watcher.untilProcess('dir-B', record.id, () => true, T, 'the process in dir-B status');
    assert.equal(onB.name, 'dir-program');

    // The module required after the restore loads from dir-B's own copy (dir-A's is gone).
    const lateOne = await watcher.untilOutput(record.id, (o) => o.data.startsWith('late-one loaded'), T, 'late-one to load');
    assert.equal(lateOne.json.agent, 'dir-B', 'late-one.js was loaded after the migration');
    assert.equal(lateOne.json.data, 'late-one loaded from plugins, blob sum 32640\n');

    // Back, with the original operand form (SOURCE TARGET DIR-NAME ID), before tick 55.
    await ctlOk(['dispatch', url, 'pause', record.id]);
    const back = parseRecord(await ctlOk(['dispatch', url, 'migrate', 'dir-B', 'dir-A', 'dir-program', record.id]));
    assert.deepEqual([back.agent, back.status], ['dir-A', 'Paused']);
    await ctlOk(['dispatch', url, 'resume', record.id]);
    assert.ok(!fs.existsSync(programDir('dir-B', record.id)), 'dir-B removed its copy');

    const done = await watcher.untilProcess('dir-A', record.id, (p) => p.status === 'Exited', 20000, 'the program to end on dir-A');
    assert.equal(done.exitCode, 0);
    const out = watcher.output(record.id);
    const expected = await native;
    assert.equal(out.map((o) => o.data).join(''), expected, 'the migrated output differs from the native output (a gap, a repetition or a wrong value)');
    assert.equal(out.find((o) => o.data.startsWith('late-two loaded')).agent, 'dir-A', 'late-two.mjs was imported after the migration back');
    // Each hop is one contiguous run of lines: A, then B, then A.
    const hops = out.map((o) => o.agent).filter((a, i, all) => i === 0 || all[i - 1] !== a);
    assert.deepEqual(hops, ['dir-A', 'dir-B', 'dir-A']);
    assert.ok(!fs.existsSync(programDir('dir-A', record.id)), 'the files are removed when the program ends');
  });

  it('kill removes the program directory', async () => {
    const rec = parseRecord(await ctlOk(['dispatch', broker.url, 'run', 'dir-B', PROGRAM]));
    await watcher.untilOutput(rec.id, (o) => o.data.startsWith('tick 1 '), T, 'tick 1');
    assert.ok(fs.existsSync(programDir('dir-B', rec.id)));
    const killed = parseRecord(await ctlOk(['dispatch', broker.url, 'kill', rec.id]));
    assert.equal(killed.status, 'Killed');
    assert.ok(!fs.existsSync(programDir('dir-B', rec.id)));
  });

  it('a tree with a path leaving it gets E_BAD_REQUEST, nothing is written, and the agent goes on serving', async () => {
    const tree = (files, main = 'index.js') => ({ main, files: { 'index.js': 'console.log(1)', ...files } });
    const cases = [
      [{ '../evil.js': 'x' }, /"\.\.\/evil\.js"/],
      [{ 'lib/../../evil.js': 'x' }, /"\.\." segment/],
      [{ '/tmp/evil.js': 'x' }, /is absolute/],
      [{ 'a\u0000b.js': 'x' }, /NUL/],
      [{ 'lib\\..\\..\\evil.js': 'x' }, /backslash/],
      [{ lib: 'x', 'lib/a.js': 'y' }, /both a file and a directory/],
      [{ 'a.js': 42 }, /must be a string/],
    ];
    for (const [files, message] of cases) {
      const reply = await watcher.rawRequest('dir-A', { action: 'run', args: { name: 'evil', files: tree(files) } });
      assert.equal(reply.ok, false, `accepted ${JSON.stringify(files)}`);
      assert.equal(reply.error.code, 'E_BAD_REQUEST');
      assert.match(reply.error.message, message);
    }
    const noMain = await watcher.rawRequest('dir-A', { action: 'run', args: { name: 'evil', files: tree({}, '../index.js') } });
    assert.equal(noMain.error.code, 'E_BAD_REQUEST');
    const both = await watcher.rawRequest('dir-A', { action: 'run', args: { name: 'evil', source: '', files: tree({}) } });
    assert.equal(both.error.code, 'E_BAD_REQUEST');
    // A program's name becomes a file name on the agent: it may not name a directory.
    for (const name of ['../../evil.js', 'sub/evil.js', '..', 'a\\b.js']) {
      const reply = await watcher.rawRequest('dir-A', { action: 'run', args: { name, source: 'console.log(1)' } });
      assert.equal(reply.error?.code, 'E_BAD_REQUEST', `accepted name ${JSON.stringify(name)}`);
      assert.match(reply.error.message, /must be a file name/);
    }
    // A migration's restore is checked the same way.
    const restore = await watcher.rawRequest('dir-A', { action: 'restore', args: { snapshot: '{}', id: 'AbCd1234', files: tree({ '../../evil.js': 'x' }) } });
    assert.equal(restore.error.code, 'E_BAD_REQUEST');

    for (const dir of [tmp, path.join(tmp, 'dir-A'), path.join(tmp, 'dir-A', 'state'), path.join(tmp, 'dir-A', 'state', 'programs')]) {
      assert.ok(!fs.existsSync(path.join(dir, 'evil.js')), `evil.js written in ${dir}`);
    }
    assert.deepEqual(fs.readdirSync(path.join(tmp, 'dir-A', 'state', 'programs')), []);
    const list = await watcher.rawRequest('dir-A', { action: 'list' });
    assert.equal(list.ok, true);
    assert.ok(agents['dir-A'].running, 'the agent is still running');
    // And it still runs a good tree.
    const good = await watcher.rawRequest('dir-A', { action: 'run', args: { name: 'good', files: { main: 'main.js', files: { 'main.js': "console.log(require('./lib/x').x)", 'lib/x.js': 'exports.x = 42' } } } });
    assert.equal(good.ok, true, JSON.stringify(good.error));
    await watcher.untilOutput(good.result.id, (o) => o.data === '42\n', T, 'the good tree to print 42');
  });

  it('thingsctl refuses native addons, symlinks leaving the directory and trees over the limit, before sending', async () => {
    const make = (name, files) => {
      const dir = path.join(tmp, name);
      for (const [p, content] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
        fs.writeFileSync(path.join(dir, p), content);
      }
      return dir;
    };
    const url = broker.url;

    const addon = make('with-addon', { 'index.js': "require('./build/Release/addon.node')", 'build/Release/addon.node': '\x7fELF' });
    const r1 = await thingsctl(['dispatch', url, 'run', 'dir-A', addon]);
    assert.equal(r1.code, 1);
    assert.match(r1.stderr, /^thingsctl: E_UNSUPPORTED: build\/Release\/addon\.node is a native addon/);

    const linked = make('with-link', { 'index.js': "require('./shared/x')" });
    fs.symlinkSync(tmp, path.join(linked, 'shared'));
    const r2 = await thingsctl(['dispatch', url, 'run', 'dir-A', linked]);
    assert.equal(r2.code, 1);
    assert.match(r2.stderr, /^thingsctl: E_UNSUPPORTED: shared is a symlink to .* outside the program directory/);

    const big = make('too-big', { 'index.js': '' });
    fs.writeFileSync(path.join(big, 'data.bin'), '');
    fs.truncateSync(path.join(big, 'data.bin'), 17 * 1024 * 1024); // sparse: nothing is read
    const r3 = await thingsctl(['dispatch', url, 'run', 'dir-A', big]);
    assert.equal(r3.code, 1);
    assert.match(r3.stderr, /^thingsctl: E_TOO_LARGE: .* more than 16 MiB/);

    // A symlink that stays inside is sent as the file it points to.
    const inner = make('inner-link', { 'index.js': "console.log(require('./alias').v)", 'real.js': 'exports.v = "via link"' });
    fs.symlinkSync('real.js', path.join(inner, 'alias.js'));
    const rec = parseRecord(await ctlOk(['dispatch', url, 'run', 'dir-B', inner]));
    await watcher.untilOutput(rec.id, (o) => o.data === 'via link\n', T, 'the program behind an inner symlink');
  });
});
