// Preload (`node -r`) that counts the macrotasks a program runs (timer and immediate callbacks)
// and writes the number to the file named by THINGSJS_TEST_TURNS_FILE when the process exits.
// It observes through async_hooks only, so the program's globals and output are untouched.
'use strict';

const asyncHooks = require('node:async_hooks');
const fs = require('node:fs');

const macrotaskIds = new Set();
let turns = 0;

asyncHooks
  .createHook({
    init(asyncId, type) {
      if (type === 'Timeout' || type === 'Immediate') macrotaskIds.add(asyncId);
    },
    before(asyncId) {
      if (macrotaskIds.has(asyncId)) turns++;
    },
    destroy(asyncId) {
      macrotaskIds.delete(asyncId);
    },
  })
  .enable();

const out = process.env.THINGSJS_TEST_TURNS_FILE;
if (out) {
  process.on('exit', () => {
    fs.writeFileSync(out, String(turns));
  });
}
