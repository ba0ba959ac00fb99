// A CommonJS program that loads ES modules with import(), then keeps using them across turns.
'use strict';
const { label } = require('./format.cjs');

let stats = null;
let n = 0;
function tick() {
  n++;
  stats.record((n * 5) % 7);
  console.log(label(`n=${n} count=${stats.count} mean=${stats.mean().toFixed(3)} max=${stats.max} by ${stats.default.name}`));
  if (n === 10) {
    import('./stats.mjs').then((again) => {
      console.log(`same namespace: ${again === stats}, keys: ${Object.keys(stats).join(',')}`);
      console.log('ok');
    });
  } else setTimeout(tick, 3);
}

import('./stats.mjs').then((ns) => {
  stats = ns;
  console.log(`loaded ${stats.default.name} v${stats.version}`);
  setTimeout(tick, 1);
});
