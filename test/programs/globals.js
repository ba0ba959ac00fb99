// Global state: globalThis/global additions, implicit sloppy-mode globals, module.exports and top-level `this`.
// (No 'use strict': assigning an undeclared name creates a global, as plain old scripts do.)

globalThis.appState = { started: true, visits: 0 };
global.helper = function helper(x) {
  return `helped(${x})`;
};
implicitCounter = 0; // eslint-disable-line no-undef
exports.version = 1;
module.exports.names = ['first'];
const topThis = this; // module.exports at the top level of a CommonJS module
const readTopThis = () => this;

function visit(n) {
  appState.visits++; // eslint-disable-line no-undef
  implicitCounter += n; // eslint-disable-line no-undef
  module.exports.names.push('v' + n);
  exports.version++;
  console.log(`visit ${n}: visits=${globalThis.appState.visits} implicit=${implicitCounter} ${helper(n)} version=${module.exports.version} names=${exports.names.join(',')} sameThis=${readTopThis() === module.exports}`); // eslint-disable-line no-undef
  if (n < 8) setTimeout(visit, 40, n + 1);
  else finish();
}

function finish() {
  if (globalThis.appState !== global.appState || appState.visits !== 8) throw new Error('global object state lost'); // eslint-disable-line no-undef
  if (globalThis.implicitCounter !== 36 || !('implicitCounter' in globalThis)) throw new Error('implicit global lost');
  if (exports !== module.exports || topThis !== exports) throw new Error('module.exports identity lost');
  if (typeof globalThis.setTimeout !== 'function' || globalThis.console !== console) throw new Error('built-in globals changed');
  if (typeof globalThis.topThis !== 'undefined') throw new Error('module-level const leaked to the global object');
  console.log('ok');
}

setTimeout(visit, 40, 1);
