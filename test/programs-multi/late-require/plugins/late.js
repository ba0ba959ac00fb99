'use strict';
console.log('plugins/late.js runs its top level');
let instances = 0;
exports.create = (name) => {
  instances++;
  let runs = 0;
  return { run: (n) => `${name} run ${++runs} sum ${n * runs}` };
};
exports.instances = () => instances;
