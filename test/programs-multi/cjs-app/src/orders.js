'use strict';
const inventory = require('./inventory');

let nextId = 100;
const placed = [];
let refusals = 0;

exports.place = function place(item, qty) {
  if (!inventory.take(item, qty)) {
    refusals++;
    return null;
  }
  const order = { id: nextId++, item, qty };
  placed.push(order);
  return order;
};
exports.count = () => placed.length;
exports.refused = () => refusals;
