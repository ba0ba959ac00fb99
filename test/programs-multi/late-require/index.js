// A module required for the first time in a later turn, and modules required again later.
'use strict';
const early = require('./early');
let n = 0;
let plugin = null;
const t = setInterval(() => {
  n++;
  early.note(n);
  if (n === 5) {
    plugin = require('./plugins/late').create('p');
    console.log(`plugin loaded at ${n}`);
  }
  if (plugin) console.log(`n=${n} ${plugin.run(n)}`);
  else console.log(`n=${n} no plugin yet`);
  if (n === 7) console.log(`early again: ${require('./early') === early} notes=${early.notes()}`);
  if (n === 11) {
    clearInterval(t);
    console.log(`late again: ${require('./plugins/late').instances()}`);
    console.log('ok');
  }
}, 3);
