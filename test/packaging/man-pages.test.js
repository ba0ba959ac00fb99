'use strict';
// The manual pages (docs/man/) stay true to the code: every command and option the built
// CLIs print in their --help, and every configuration key the agent accepts, is documented
// in the page that covers it. A flag or key added without its documentation fails here,
// with the name and the page to edit.
//
// Node 18 and 20: node:test with describe/it only.
const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const ROOT = path.resolve(__dirname, '..', '..');
const MAN = path.join(ROOT, 'docs', 'man');

/** A roff page as plain words: escapes for '-' and font changes removed. */
function manText(page) {
  return fs
    .readFileSync(path.join(MAN, page), 'utf8')
    .replace(/\\-/g, '-')
    .replace(/\\f[BIRP]/g, '');
}

function help(bundle, args) {
  return execFileSync(process.execPath, [path.join(ROOT, 'dist', bundle), ...args, '--help'], { encoding: 'utf8' });
}

/** Long options and sub-commands of one commander --help text. */
function parseHelp(text) {
  const section = (name) => {
    const m = new RegExp(`^${name}:\\n((?:  .*\\n?|\\n(?=  ))*)`, 'm').exec(text);
    return m ? m[1] : '';
  };
  const options = [...section('Options').matchAll(/^ {2}(?:-\w, )?(--[\w-]+)/gm)].map((m) => m[1]);
  const commands = [...section('Commands').matchAll(/^ {2}(\w[\w-]*)/gm)].map((m) => m[1]).filter((c) => c !== 'help');
  return { options, commands };
}

/** Every (command path, option) pair of thingsctl, walking sub-commands. */
function walkThingsctl(prefix = []) {
  const { options, commands } = parseHelp(help('thingsctl.js', prefix));
  const found = options.map((o) => ({ command: prefix.join(' '), option: o }));
  const paths = [prefix.join(' ')];
  for (const c of commands) {
    const sub = walkThingsctl([...prefix, c]);
    found.push(...sub.found);
    paths.push(...sub.paths);
  }
  return { found, paths };
}

describe('manual pages', () => {
  it('thingsjs-agent(8) documents every option of thingsjs-agent --help', () => {
    const page = manText('thingsjs-agent.8');
    const { options } = parseHelp(help('thingsjs-agent.js', []));
    assert.ok(options.includes('--config'), 'the help text was parsed');
    const missing = options.filter((o) => !page.includes(o));
    assert.deepEqual(missing, [], `docs/man/thingsjs-agent.8 lacks ${missing.join(', ')}`);
  });

  it('thingsctl(1) documents every command and option of thingsctl --help', () => {
    const page = manText('thingsctl.1');
    const { found, paths } = walkThingsctl();
    assert.ok(paths.includes('dispatch') && paths.includes('snapshot show'), `commands were found: ${paths.join(', ')}`);
    const missingCommands = paths.filter((p) => p && !page.includes(`thingsctl ${p}`) && !new RegExp(`^\\.SS "${p}\\b`, 'm').test(page));
    assert.deepEqual(missingCommands, [], `docs/man/thingsctl.1 lacks the commands ${missingCommands.join(', ')}`);
    const missingOptions = found.filter(({ option }) => !page.includes(option)).map(({ command, option }) => `${command || 'thingsctl'} ${option}`);
    assert.deepEqual(missingOptions, [], `docs/man/thingsctl.1 lacks ${missingOptions.join(', ')}`);
  });

  it('agent.conf(5) documents every key agent/daemon/config.ts accepts', () => {
    const page = manText('agent.conf.5');
    const source = fs.readFileSync(path.join(ROOT, 'agent', 'daemon', 'config.ts'), 'utf8');
    const schema = /^const SCHEMA\b.*= \{\n([\s\S]*?)\n\};/m.exec(source);
    assert.ok(schema, 'the SCHEMA table was found in config.ts');
    const missing = [];
    let count = 0;
    for (const [, section, body] of schema[1].matchAll(/^ {2}(\w+): \{([\s\S]*?)^ {2}\},/gm)) {
      const heading = page.indexOf(`.SH "[${section}] KEYS"`);
      assert.ok(heading >= 0, `docs/man/agent.conf.5 has a section for [${section}]`);
      const end = page.indexOf('\n.SH ', heading + 1);
      const part = page.slice(heading, end < 0 ? undefined : end);
      for (const [, key] of body.matchAll(/^ {4}(\w+):/gm)) {
        count++;
        if (!new RegExp(`^\\.B ${key}$`, 'm').test(part)) missing.push(`[${section}] ${key}`);
      }
    }
    assert.ok(count > 10, `keys were found in config.ts (${count})`);
    assert.deepEqual(missing, [], `docs/man/agent.conf.5 lacks ${missing.join(', ')}`);
  });
});
