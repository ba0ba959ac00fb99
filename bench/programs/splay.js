'use strict';
// A splay tree under churn: it is filled with 8,000 pseudo-random keys, each carrying a small
// payload object tree, then goes through rounds of insert / lookup / remove of fresh keys.
// Top-down splaying (no parent pointers); every access moves the key to the root. Lots of
// pointer rewiring and allocation of payloads that soon become garbage.
// Checksum: the keys found, the tree size, and an in-order walk of the final tree.
const { benchSync, rng } = require('./harness');

class Node {
  constructor(key, value) {
    this.key = key;
    this.value = value;
    this.left = null;
    this.right = null;
  }
}

class SplayTree {
  constructor() {
    this.root = null;
    this.size = 0;
  }

  /** Top-down splay: brings the node with `key` (or the last node on its path) to the root. */
  splay(key) {
    if (this.root === null) return;
    const header = new Node(0, null);
    let left = header;
    let right = header;
    let t = this.root;
    for (;;) {
      if (key < t.key) {
        if (t.left === null) break;
        if (key < t.left.key) {
          const y = t.left; // rotate right
          t.left = y.right;
          y.right = t;
          t = y;
          if (t.left === null) break;
        }
        right.left = t;
        right = t;
        t = t.left;
      } else if (key > t.key) {
        if (t.right === null) break;
        if (key > t.right.key) {
          const y = t.right; // rotate left
          t.right = y.left;
          y.left = t;
          t = y;
          if (t.right === null) break;
        }
        left.right = t;
        left = t;
        t = t.right;
      } else break;
    }
    left.right = t.left;
    right.left = t.right;
    t.left = header.right;
    t.right = header.left;
    this.root = t;
  }

  insert(key, value) {
    if (this.root === null) {
      this.root = new Node(key, value);
      this.size = 1;
      return true;
    }
    this.splay(key);
    if (this.root.key === key) return false;
    const n = new Node(key, value);
    if (key > this.root.key) {
      n.left = this.root;
      n.right = this.root.right;
      this.root.right = null;
    } else {
      n.right = this.root;
      n.left = this.root.left;
      this.root.left = null;
    }
    this.root = n;
    this.size++;
    return true;
  }

  find(key) {
    if (this.root === null) return null;
    this.splay(key);
    return this.root.key === key ? this.root : null;
  }

  remove(key) {
    if (this.find(key) === null) return false;
    const r = this.root;
    if (r.left === null) this.root = r.right;
    else {
      const right = r.right;
      this.root = r.left;
      this.splay(key); // the largest key of the left side comes up, with no right child
      this.root.right = right;
    }
    this.size--;
    return true;
  }

  greatestBelow(key) {
    if (this.root === null) return null;
    this.splay(key);
    if (this.root.key < key) return this.root;
    if (this.root.left === null) return null;
    let n = this.root.left;
    while (n.right !== null) n = n.right;
    return n;
  }

  *keys() {
    const stack = [];
    let n = this.root;
    while (stack.length > 0 || n !== null) {
      if (n !== null) {
        stack.push(n);
        n = n.left;
      } else {
        n = stack.pop();
        yield n.key;
        n = n.right;
      }
    }
  }
}

function payload(depth, key) {
  if (depth === 0) return { key, tag: 'leaf-' + (key % 97) };
  return { left: payload(depth - 1, key), right: payload(depth - 1, key + 1), weight: depth };
}

function churn() {
  const random = rng(49734321);
  const tree = new SplayTree();
  const live = [];
  const fresh = () => Math.floor(random() * 1e9);
  while (tree.size < 8000) {
    const k = fresh();
    if (tree.insert(k, payload(3, k))) live.push(k);
  }
  let found = 0;
  for (let round = 0; round < 10000; round++) {
    const k = fresh();
    if (tree.insert(k, payload(3, k))) live.push(k);
    const probe = live[Math.floor(random() * live.length)];
    const n = tree.find(probe);
    if (n !== null) found += n.value.weight;
    const g = tree.greatestBelow(fresh());
    if (g !== null) found += g.key % 7;
    if ((round & 1) === 0) {
      const i = Math.floor(random() * live.length);
      if (tree.remove(live[i])) {
        live[i] = live[live.length - 1];
        live.pop();
      }
    }
  }
  let walk = 0;
  let prev = -1;
  for (const k of tree.keys()) {
    if (k <= prev) throw new Error('splay: keys out of order');
    prev = k;
    walk = (walk * 31 + (k % 1000003)) % 1000000007;
  }
  return `${found}/${tree.size}/${walk}`;
}

benchSync('splay', '59884/13000/232673998', churn);
