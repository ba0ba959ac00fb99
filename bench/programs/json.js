'use strict';
// A JSON-heavy workload, as in an API gateway: build an order book of 800 nested records,
// serialise it (plain, indented, and with a replacer), parse it back (plain and with a reviver
// that revives dates and drops private fields), transform the parsed data (group, sum, sort),
// and round-trip many small messages.
// Checksum: lengths of the texts, totals computed from the parsed data, and hashes.
const { benchSync, rng, fnv } = require('./harness');

const SKUS = ['widget', 'gadget', 'doohickey', 'gizmo', 'sprocket', 'flange', 'grommet'];
const CITIES = ['Lyon', 'Zürich', 'Oslo', 'Kraków', 'Porto', 'Tallinn', 'Ghent'];

function makeOrders(random, n) {
  const orders = [];
  for (let i = 0; i < n; i++) {
    const lines = [];
    const count = 1 + Math.floor(random() * 6);
    for (let j = 0; j < count; j++) {
      lines.push({ sku: SKUS[Math.floor(random() * SKUS.length)] + '-' + Math.floor(random() * 100), qty: 1 + Math.floor(random() * 9), price: Math.round(random() * 10000) / 100, tags: random() < 0.3 ? ['gift', 'fragile'] : [] });
    }
    orders.push({
      id: 'ord_' + i.toString(36).padStart(6, '0'),
      customer: { name: 'Customer "' + i + '"', city: CITIES[i % CITIES.length], vip: random() < 0.1, _token: Math.floor(random() * 1e9).toString(16) },
      placedAt: new Date(Date.UTC(2024, 0, 1) + Math.floor(random() * 3e10)).toISOString(),
      lines,
      notes: random() < 0.2 ? 'Leave at door\nRing twice\t☎' : null,
      discount: random() < 0.25 ? { code: 'SAVE' + Math.floor(random() * 30), percent: 5 + Math.floor(random() * 20) } : undefined,
    });
  }
  return orders;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function workload() {
  const random = rng(4242);
  const orders = makeOrders(random, 800);
  const plain = JSON.stringify(orders);
  const pretty = JSON.stringify(orders, null, 2);
  const trimmed = JSON.stringify(orders, (key, value) => (key === '_token' || key === 'tags' ? undefined : value));
  const parsed = JSON.parse(plain, (key, value) => {
    if (key.startsWith('_')) return undefined;
    if (typeof value === 'string' && ISO.test(value)) return new Date(value);
    return value;
  });
  // Group revenue by city and by month, from the parsed copy.
  const byCity = {};
  const byMonth = new Map();
  let revenue = 0;
  for (const o of parsed) {
    let total = 0;
    for (const l of o.lines) total += l.qty * l.price;
    if (o.discount) total *= 1 - o.discount.percent / 100;
    total = Math.round(total * 100) / 100;
    revenue += total;
    byCity[o.customer.city] = (byCity[o.customer.city] || 0) + total;
    const month = o.placedAt.getUTCFullYear() * 100 + o.placedAt.getUTCMonth() + 1;
    byMonth.set(month, (byMonth.get(month) || 0) + 1);
  }
  const top = parsed
    .filter((o) => o.customer.vip)
    .map((o) => ({ id: o.id, items: o.lines.reduce((a, l) => a + l.qty, 0) }))
    .sort((a, b) => b.items - a.items || (a.id < b.id ? -1 : 1))
    .slice(0, 20);
  // Many small messages, as on a message bus.
  let small = 0;
  for (let i = 0; i < 8000; i++) {
    const msg = JSON.stringify({ seq: i, topic: 'sensor/' + (i % 50), value: (i * 7) % 1000 / 10, ok: i % 3 !== 0 });
    const back = JSON.parse(msg);
    small += back.seq + back.value + (back.ok ? 1 : 0) + msg.length;
  }
  const summary = JSON.stringify({ byCity, months: [...byMonth].sort((a, b) => a[0] - b[0]), top });
  return [plain.length, pretty.length, trimmed.length, Math.round(revenue * 100), Math.round(small), fnv(summary), fnv(plain)].join('/');
}

benchSync('json', '303066/545185/246521/66797684/32838490/1de40614/b69e14d7', workload);
