// Golden sample: which bindings move into environment records, and how closures are made.
'use strict';
let hits = 0; // captured by the arrow below: moves into the module record
const limit = 3; // only read by top-level code: stays a native const
function makeCounter(start) {
  let n = start; // captured
  const step = 1; // captured too
  return () => (n += step, hits++, n);
}
for (let i = 0; i < limit; i++) setTimeout(() => console.log(i, makeCounter(i)()), i);
const api = { name: 'api', describe() { return this.name + hits; } };
function outer() {
  return () => this === undefined && arguments.length;
}
module.exports = { api, outer };
