'use strict';
// A program that deletes and replaces built-in globals and members of `process` (as tests and
// sandboxes do), and reads others without changing them: after a restore, each is as the
// program left it, and its timers fire in order (the runtime's virtual clock is neither the
// program's `performance` nor its `process.hrtime`).
delete globalThis.performance; // a lazy global never read
delete globalThis.WebAssembly; // an ordinary one
const realClone = structuredClone;
globalThis.structuredClone = (x) => 'clone:' + JSON.stringify(x); // replaced
const encoder = new TextEncoder(); // read, not changed
process.hrtime = () => [0, 7]; // Node's own process members, replaced and deleted
delete process.emitWarning;
let n = 0;
const order = [];
const t = setInterval(() => {
  n++;
  order.push('i' + n);
  setTimeout(() => order.push('t' + n), 5);
  const state = [typeof globalThis.performance, typeof globalThis.WebAssembly, structuredClone([n]), typeof realClone, TextEncoder === encoder.constructor, encoder.encode('é').length, String(process.hrtime()), typeof process.emitWarning];
  if (n === 6) {
    clearInterval(t);
    setTimeout(() => {
      const expected = [1, 2, 3, 4, 5, 6].map((i) => `i${i} t${i}`).join(' ');
      console.log('done', order.join(' '), ...state);
      console.log(order.join(' ') === expected ? 'ok' : 'wrong order');
    }, 40);
  } else console.log('tick', n, ...state);
}, 20);
