// An ES-module program ("type": "module") that uses CommonJS modules and ES modules.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import legacy, { scale } from './legacy.cjs';
import * as counter from './counter.js';
import makeId, { prefix } from './ids.js';

const here = path.basename(path.dirname(fileURLToPath(import.meta.url)));
console.log(`running in ${here}, this is ${this}`);
const made = [];
let rounds = 0;
const timer = setInterval(() => {
  rounds++;
  counter.add(scale(rounds));
  made.push(makeId());
  console.log(`round ${rounds}: total=${counter.total} ids=${made.slice(-2).join('|')} legacy calls=${legacy.calls()} prefix=${prefix}`);
  if (rounds === 4) counter.reset();
  if (rounds === 9) {
    clearInterval(timer);
    console.log(`history ${counter.history.join(',')}`);
    console.log(`namespace keys ${Object.keys(counter).join(',')}`);
    console.log('ok');
  }
}, 4);
