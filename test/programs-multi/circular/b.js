'use strict';
const a = require('./a');
const keysAtLoad = Object.keys(a);
let total = 0;
let calls = 0;
module.exports = {
  ready: true,
  pong(n) {
    calls++;
    total += n;
    if (total > 50 && a.total() % 2 === 1) total -= 7;
  },
  total: () => total,
  calls: () => calls,
  keysOfAAtLoad: () => keysAtLoad,
};
