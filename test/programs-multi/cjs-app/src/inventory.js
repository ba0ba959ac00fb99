'use strict';
const config = require('../config.json');

const stock = new Map(Object.entries(config.stock));
let moves = 0;

function take(item, qty) {
  const have = stock.get(item) || 0;
  if (have < qty) return false;
  stock.set(item, have - qty);
  moves++;
  return true;
}

function restock(item, qty) {
  stock.set(item, (stock.get(item) || 0) + qty);
  moves++;
  return `${item}=${stock.get(item)}`;
}

module.exports = { take, restock, snapshot: () => ({ moves, ...Object.fromEntries(stock) }) };
