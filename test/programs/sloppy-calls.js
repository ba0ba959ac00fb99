// Sloppy mode: a function called by a plain name gets `this` = the global object, even when
// the name is a variable that closures capture (the instrumenter keeps such variables in a
// record, which must not become the receiver). Checked across turns.

function receiver() {
  return this === globalThis ? 'global' : typeof this;
}
var tag = function (strings) {
  return strings[0] + (this === globalThis ? 'global' : typeof this);
};
let made = Function('return this === globalThis ? "global" : typeof this');
const strictOne = function () {
  'use strict';
  return typeof this;
};

let turn = 0;
function step() {
  turn++;
  const seen = [receiver(), tag`tag:`, made(), strictOne(), [1].map(() => receiver())[0]];
  console.log(`turn ${turn}: ${seen.join(' ')}`);
  if (turn < 5) setTimeout(step, 20);
  else console.log('ok');
}
setTimeout(step, 20);
