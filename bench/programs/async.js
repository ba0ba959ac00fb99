'use strict';
// An async-heavy workload with no I/O: async functions awaiting in loops, a bounded channel
// between producers and consumers built on promises, Promise.all fan-out/fan-in over a task
// tree, an async-generator pipeline (map / filter / batch) consumed with for await, and
// promise chains with then/catch/finally and rejections that are caught.
// Checksum: what the consumers and pipelines computed.
const { benchAsync } = require('./harness');

class Channel {
  constructor(capacity) {
    this.capacity = capacity;
    this.items = [];
    this.takers = [];
    this.putters = [];
    this.closed = false;
  }
  async put(v) {
    while (this.items.length >= this.capacity) await new Promise((resolve) => this.putters.push(resolve));
    if (this.takers.length > 0) this.takers.shift()({ value: v, done: false });
    else this.items.push(v);
  }
  take() {
    if (this.items.length > 0) {
      const value = this.items.shift();
      if (this.putters.length > 0) this.putters.shift()();
      return Promise.resolve({ value, done: false });
    }
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.takers.push(resolve));
  }
  close() {
    this.closed = true;
    for (const t of this.takers.splice(0)) t({ value: undefined, done: true });
  }
}

async function producer(ch, id, n) {
  for (let i = 0; i < n; i++) await ch.put(id * 100000 + i);
}

async function consumer(ch) {
  let sum = 0;
  let count = 0;
  for (;;) {
    const { value, done } = await ch.take();
    if (done) return { sum, count };
    sum = (sum + value) % 1000000007;
    count++;
  }
}

async function channels() {
  const ch = new Channel(16);
  const consumers = [consumer(ch), consumer(ch), consumer(ch)];
  await Promise.all([producer(ch, 1, 3000), producer(ch, 2, 3000), producer(ch, 3, 3000), producer(ch, 4, 3000)]);
  ch.close();
  const results = await Promise.all(consumers);
  return results.reduce((a, r) => a + r.sum + r.count, 0);
}

async function tree(depth, seed) {
  if (depth === 0) return seed % 97;
  const kids = await Promise.all([tree(depth - 1, seed * 3 + 1), tree(depth - 1, seed * 5 + 2), tree(depth - 1, seed * 7 + 3)]);
  return (kids[0] + kids[1] * 2 + kids[2] * 3) % 1000003;
}

async function* numbers(n) {
  for (let i = 0; i < n; i++) yield i;
}
async function* map(src, f) {
  for await (const x of src) yield await f(x);
}
async function* filter(src, p) {
  for await (const x of src) if (p(x)) yield x;
}
async function* batch(src, size) {
  let b = [];
  for await (const x of src) {
    b.push(x);
    if (b.length === size) {
      yield b;
      b = [];
    }
  }
  if (b.length > 0) yield b;
}

async function pipeline() {
  let total = 0;
  let batches = 0;
  for await (const b of batch(filter(map(numbers(6000), async (x) => x * x), (x) => x % 3 !== 0), 50)) {
    batches++;
    total = (total + b.reduce((a, x) => a + x, 0)) % 1000000007;
  }
  return total + batches;
}

async function chains() {
  let ok = 0;
  let failed = 0;
  let settled = 0;
  const work = [];
  for (let i = 0; i < 3000; i++) {
    work.push(
      Promise.resolve(i)
        .then((x) => (x % 13 === 0 ? Promise.reject(new Error('bad ' + x)) : x * 2))
        .then((x) => {
          ok += x;
        })
        .catch((e) => {
          failed += e.message.length;
        })
        .finally(() => {
          settled++;
        }),
    );
  }
  await Promise.all(work);
  const raced = await Promise.race([Promise.resolve('a'), new Promise((r) => r('b'))]);
  const all = await Promise.allSettled([Promise.reject(new Error('x')), Promise.resolve(2)]);
  return ok + failed + settled + raced.length + all.length;
}

async function run() {
  const a = await channels();
  const b = await tree(6, 1);
  const c = await pipeline();
  const d = await chains();
  return [a, b, c, d].join('/');
}

benchAsync('async', '1018005986/251421/999997751/8311075', run);
