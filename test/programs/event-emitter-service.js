// A small class-based service in the ordinary style of Node.js code: an inventory service extending EventEmitter with a
// private store, validation errors, an audit subscriber, a low-stock notifier with debounce timers, and periodic reports.
'use strict';

const { EventEmitter } = require('events');
const assert = require('assert');
const util = require('util');

class ValidationError extends Error {
  constructor(field, message) {
    super(`${field}: ${message}`);
    this.name = 'ValidationError';
    this.field = field;
  }
}

class InventoryService extends EventEmitter {
  #items = new Map();
  #sequence = 0;
  static LOW_STOCK = 5;

  constructor({ name }) {
    super();
    this.name = name;
  }

  addItem({ sku, title, quantity = 0, price }) {
    if (!/^[A-Z]{3}-\d{3}$/.test(sku)) throw new ValidationError('sku', `bad format ${util.inspect(sku)}`);
    if (this.#items.has(sku)) throw new ValidationError('sku', `duplicate ${sku}`);
    const item = { sku, title, quantity, price, version: 1 };
    this.#items.set(sku, item);
    this.emit('added', { ...item });
    return item;
  }

  adjust(sku, delta, reason) {
    const item = this.#items.get(sku);
    if (!item) throw new ValidationError('sku', `unknown ${sku}`);
    if (item.quantity + delta < 0) throw new ValidationError('quantity', `cannot remove ${-delta} of ${item.quantity}`);
    item.quantity += delta;
    item.version++;
    const event = { id: ++this.#sequence, sku, delta, reason, quantity: item.quantity };
    this.emit('adjusted', event);
    if (item.quantity <= InventoryService.LOW_STOCK) this.emit('low-stock', item);
    return event;
  }

  get value() {
    let total = 0;
    for (const { quantity, price } of this.#items.values()) total += quantity * price;
    return total;
  }

  report() {
    return [...this.#items.values()].map((i) => `${i.sku}:${i.quantity}`).join(' ');
  }
}

class AuditLog {
  constructor(service) {
    this.entries = [];
    this.onAdjusted = this.onAdjusted.bind(this);
    service.on('adjusted', this.onAdjusted);
    service.on('added', (item) => this.entries.push(`added ${item.sku}`));
  }
  onAdjusted(e) {
    this.entries.push(`#${e.id} ${e.sku} ${e.delta > 0 ? '+' : ''}${e.delta} (${e.reason})`);
  }
}

class LowStockNotifier {
  constructor(service, debounceMs) {
    this.pending = new Map();
    this.sent = [];
    service.on('low-stock', (item) => {
      clearTimeout(this.pending.get(item.sku)); // debounce: one notice per burst
      this.pending.set(item.sku, setTimeout(() => {
        this.pending.delete(item.sku);
        this.sent.push(`${item.sku}@${item.quantity}`); // a real service would send mail here
      }, debounceMs));
    });
  }
}

const service = new InventoryService({ name: 'warehouse-1' });
const audit = new AuditLog(service);
// Orders come every 30 ms; a burst of low-stock events for one item closer than 75 ms gives one notice.
const notifier = new LowStockNotifier(service, 75);
service.addItem({ sku: 'ABC-001', title: 'Widget', quantity: 20, price: 250 });
service.addItem({ sku: 'ABC-002', title: 'Gadget', quantity: 8, price: 1200 });
service.addItem({ sku: 'XYZ-100', title: 'Gizmo', quantity: 50, price: 75 });

const orders = [
  ['ABC-001', -4, 'order 1'], ['ABC-002', -2, 'order 2'], ['XYZ-100', -10, 'order 3'], ['ABC-002', -1, 'order 4'],
  ['ABC-001', -9, 'order 5'], ['abc-1', 1, 'typo'], ['ABC-002', -7, 'order 6'], ['ABC-001', -3, 'order 7'],
  ['ABC-002', 12, 'restock'], ['XYZ-100', -38, 'order 8'], ['ABC-003', 1, 'unknown'], ['ABC-001', 30, 'restock'],
  ['XYZ-100', -1, 'order 9'], ['XYZ-100', -1, 'order 10'],
];
const rejected = [];
let turn = 0;

function step() {
  const [sku, delta, reason] = orders[turn++];
  try {
    const e = service.adjust(sku, delta, reason);
    console.log(`turn ${turn}: ${reason} -> ${e.sku} now ${e.quantity}; value ${(service.value / 100).toFixed(2)}`);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    rejected.push(err.field);
    console.log(`turn ${turn}: ${reason} rejected (${err.name} ${err.message})`);
  }
  if (turn % 5 === 0) console.log(`  report: ${service.report()}`);
  if (turn < orders.length) setTimeout(step, 30);
  else setTimeout(finish, 100);
}

function finish() {
  assert.deepStrictEqual(rejected, ['sku', 'quantity', 'sku']);
  assert.strictEqual(service.listenerCount('adjusted'), 1);
  assert.strictEqual(audit.entries.length, 3 + 11);
  assert.ok(notifier.pending.size === 0, 'a debounced notice is still pending');
  assert.deepStrictEqual(notifier.sent, ['ABC-002@5', 'ABC-001@4', 'XYZ-100@2', 'XYZ-100@0']);
  console.log(`notices sent: ${notifier.sent.join(' ')}`);
  console.log(`audit tail: ${audit.entries.slice(-3).join('; ')}`);
  console.log(`final ${service.report()} value ${(service.value / 100).toFixed(2)}`);
  console.log('ok');
}

setTimeout(step, 30);
