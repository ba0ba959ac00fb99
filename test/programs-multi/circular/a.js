'use strict';
const path = require('path');
exports.early = true;
const b = require('./b'); // b requires a back while a is half-loaded
let total = 0;
let calls = 0;
exports.ping = (n) => {
  calls++;
  total += n;
  if (n % 2 === 0) b.pong(n);
};
exports.total = () => total;
exports.calls = () => calls;
exports.peekB = () => b.ready;
exports.info = () => [path.basename(module.parent.filename), module.loaded, module.id === __filename, path.basename(__dirname)];
