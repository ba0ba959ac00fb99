// Name lookups (dns.lookup, a callback call that runs in Node's thread pool) under way or
// about to start at a capture: each must run exactly once, its callback too, wherever the
// program is by then. One chain of lookups, so at any cut point one is in flight; a ticking
// interval gives the harness's turn-counted cut points turns to count meanwhile. (The
// answers are of the machine that makes them: only their kind is printed.)
'use strict';
const dns = require('dns');

let round = 0;
let ticks = 0;
const ticker = setInterval(() => ticks++, 1);

function step() {
  round++;
  dns.lookup('localhost', (err, address, family) => {
    if (err) throw err;
    const one = typeof address === 'string' && (family === 4 || family === 6);
    dns.lookup('localhost', { all: true }, (err2, all) => {
      if (err2) throw err2;
      const many = Array.isArray(all) && all.length >= 1 && all.every((a) => typeof a.address === 'string');
      console.log(`round ${round}: one ${one} all ${many}`);
      if (round < 30) step();
      else {
        clearInterval(ticker);
        console.log(ticks > 0 ? 'ok' : 'no ticks');
      }
    });
  });
}
step();
