// Circular requires: a.js and b.js require each other; each keeps module state.
'use strict';
const path = require('path');
const a = require('./a');
const b = require('./b');

console.log(`at load: a sees b.ready=${a.peekB()}, b saw a keys [${b.keysOfAAtLoad().join(',')}]`);
let round = 0;
function step() {
  round++;
  a.ping(round);
  if (round % 3 === 0) b.pong(round * 10);
  console.log(`round ${round}: a=${a.total()} b=${b.total()} calls=${a.calls() + b.calls()}`);
  if (round < 9) setTimeout(step, 2);
  else {
    console.log(`main: ${require.main === module} id=${module.id} children=[${module.children.map((c) => path.basename(c.filename)).join(',')}]`);
    console.log(`a info: ${a.info().join(' ')}`);
    console.log(`same a: ${require('./a') === a}, same b: ${require('./b.js') === b}`);
    console.log('ok');
  }
}
setTimeout(step, 1);
