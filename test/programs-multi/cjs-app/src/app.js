// A small shop: stock, orders and a logger in separate modules, each with module-level state.
'use strict';
const config = require('../config.json');
const inventory = require('./inventory');
const orders = require('./orders');
const { createLogger } = require('./util/log');

const log = createLogger('shop');
let tick = 0;
const timer = setInterval(() => {
  tick++;
  const item = config.items[(tick * 3) % config.items.length];
  const order = orders.place(item, 1 + (tick % 2));
  log(`tick ${tick}: ${order ? `order #${order.id} ${order.qty} ${item}` : `out of ${item}`}`);
  if (tick % 5 === 0) log(`restock ${inventory.restock(config.items[tick % config.items.length], 2)}`);
  if (tick === config.ticks) {
    clearInterval(timer);
    log(`stock ${JSON.stringify(inventory.snapshot())}`);
    log(`orders ${orders.count()} refused ${orders.refused()} log lines ${require('./util/log').lines()}`);
    console.log(require('../config.json') === config ? 'same config object' : 'config reloaded');
    console.log(require('./inventory') === inventory ? 'same inventory module' : 'inventory reloaded');
    console.log('ok');
  }
}, 3);
