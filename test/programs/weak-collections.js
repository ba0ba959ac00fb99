// WeakMap, WeakSet and WeakRef whose targets stay reachable: per-object metadata, visited marks, a cache of derived values,
// WeakRef.deref() across turns; the program never depends on garbage collection happening.
'use strict';

const meta = new WeakMap();
const visited = new WeakSet();
const derivedCache = new WeakMap();
const nodes = [];
for (let i = 0; i < 8; i++) {
  const node = { id: i, children: [] };
  nodes.push(node);
  meta.set(node, { created: i * 10, touches: 0 });
  if (i > 0) nodes[(i - 1) >> 1].children.push(node);
}
const root = nodes[0];
const refs = nodes.map((n) => new WeakRef(n));
const fnKey = function keyedByFunction() {};
meta.set(fnKey, { created: -1, touches: 0 });
const arrKey = [1, 2, 3];
visited.add(arrKey);

function subtreeSize(node) {
  if (derivedCache.has(node)) return derivedCache.get(node);
  const size = 1 + node.children.reduce((s, c) => s + subtreeSize(c), 0);
  derivedCache.set(node, size);
  return size;
}

let turn = 0;
function step() {
  turn++;
  const target = refs[turn % refs.length].deref();
  if (target === undefined) throw new Error('a WeakRef to a reachable object was cleared');
  const m = meta.get(target);
  m.touches++;
  const wasVisited = visited.has(target);
  visited.add(target);
  if (turn === 6) {
    // a new child invalidates the cached sizes along its path
    const child = { id: 100, children: [] };
    nodes.push(child);
    nodes[7].children.push(child);
    meta.set(child, { created: 1000, touches: 0 });
    for (let n = 7; ; n = (n - 1) >> 1) {
      derivedCache.delete(nodes[n]);
      if (n === 0) break;
    }
  }
  console.log(`turn ${turn}: node ${target.id} touches=${m.touches} visited-before=${wasVisited} subtree=${subtreeSize(target)} root=${subtreeSize(root)} cached=${nodes.filter((n) => derivedCache.has(n)).length}`);
  if (turn < 14) setTimeout(step, 30);
  else finish();
}

function finish() {
  if (!visited.has(arrKey) || visited.has([1, 2, 3]) || meta.get(fnKey).created !== -1) throw new Error('weak keys lost');
  if (!refs.every((r, i) => r.deref() === nodes[i])) throw new Error('WeakRef targets lost identity');
  const touches = nodes.map((n) => meta.get(n).touches).join(',');
  if (touches !== '1,2,2,2,2,2,2,1,0') throw new Error('weak map values lost: ' + touches);
  if (Object.prototype.toString.call(meta) !== '[object WeakMap]' || Object.prototype.toString.call(refs[0]) !== '[object WeakRef]') throw new Error('wrong kinds');
  let threw = false;
  try {
    meta.set('string key', 1);
  } catch (e) {
    threw = e instanceof TypeError;
  }
  if (!threw) throw new Error('WeakMap accepted a primitive key');
  console.log(`touches ${touches}, root subtree ${subtreeSize(root)}`);
  console.log('ok');
}

setTimeout(step, 30);
