// Objects and arrays: nested records, property order after delete/re-add, spread/assign copies, array methods over turns.
'use strict';

const inventory = {
  warehouse: 'north',
  items: [
    { sku: 'A-1', name: 'bolt', qty: 120, tags: ['metal', 'small'], dims: { w: 1, h: 2 } },
    { sku: 'B-7', name: 'panel', qty: 4, tags: ['wood'], dims: { w: 120, h: 60 } },
    { sku: 'C-3', name: 'glue', qty: 0, tags: [], dims: { w: 5, h: 12 } },
  ],
  meta: { created: '2024-01-01', flags: { audited: false, archived: null } },
};
const snapshotCopy = JSON.parse(JSON.stringify(inventory)); // an independent deep copy
const shallow = { ...inventory }; // shares items with inventory
const assigned = Object.assign({}, inventory.meta, { extra: [1, 2, 3] });
const matrix = Array.from({ length: 4 }, (_, r) => Array.from({ length: 4 }, (_, c) => r * 4 + c));

const moves = [
  (inv) => inv.items[0].qty -= 20,
  (inv) => inv.items.push({ sku: 'D-9', name: 'hinge', qty: 33, tags: ['metal'], dims: { w: 3, h: 3 } }),
  (inv) => delete inv.meta.flags.audited,
  (inv) => (inv.meta.flags.audited = true), // re-added: now last in key order
  (inv) => inv.items.sort((a, b) => a.qty - b.qty),
  (inv) => inv.items.splice(1, 1),
  (inv) => inv.items.forEach((item) => item.tags.unshift(item.qty > 50 ? 'bulk' : 'few')),
  (inv) => (inv.warehouse = inv.warehouse.toUpperCase()),
];

let turn = 0;
function step() {
  moves[turn](inventory);
  turn++;
  const summary = inventory.items.map((i) => `${i.sku}:${i.qty}[${i.tags.join('|')}]`).join(' ');
  console.log(`turn ${turn}: ${inventory.warehouse} ${summary} flags=${JSON.stringify(inventory.meta.flags)} shallowShares=${shallow.items === inventory.items}`);
  matrix.push(matrix.shift().reverse());
  if (turn < moves.length) setTimeout(step, 45);
  else finish();
}

function finish() {
  console.log(inventory);
  console.log(matrix.map((row) => row.join(' ')).join(' / '));
  if (snapshotCopy.items.length !== 3 || snapshotCopy.items[0].qty !== 120) throw new Error('deep copy was affected');
  if (shallow.warehouse !== 'north' || shallow.items !== inventory.items) throw new Error('shallow copy semantics broken');
  if (Object.keys(inventory.meta.flags).join() !== 'archived,audited') throw new Error('key order after delete/re-add changed');
  if (assigned.extra.length !== 3 || assigned.flags !== inventory.meta.flags) throw new Error('assign copy broken');
  console.log('ok');
}

setTimeout(step, 45);
