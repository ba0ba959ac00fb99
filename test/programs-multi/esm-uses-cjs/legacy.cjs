'use strict';
let calls = 0;
exports.scale = (x) => {
  calls++;
  return x * 10;
};
exports.calls = () => calls;
