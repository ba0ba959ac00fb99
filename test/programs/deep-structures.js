// Deep and large nested data: a 20000-node linked list, 3000-level nested arrays, a binary tree; a recursive serializer would overflow.
'use strict';

let list = null;
for (let i = 20000; i >= 1; i--) list = { value: i, next: list };

let nestedArrays = ['bottom'];
for (let i = 0; i < 3000; i++) nestedArrays = [nestedArrays, i];

function makeTree(depth, id) {
  return depth === 0 ? { id } : { id, left: makeTree(depth - 1, id * 2), right: makeTree(depth - 1, id * 2 + 1) };
}
const tree = makeTree(12, 1);

function listStats() {
  let n = 0;
  let sum = 0;
  for (let node = list; node; node = node.next) {
    n++;
    sum += node.value;
  }
  return `${n} nodes sum ${sum}`;
}

function arrayDepth() {
  let depth = 0;
  let a = nestedArrays;
  while (Array.isArray(a)) {
    depth++;
    a = a[0];
  }
  return `${depth} levels down to '${a}'`;
}

function treeSum(node) {
  return node ? node.id + treeSum(node.left) + treeSum(node.right) : 0;
}

let turn = 0;
function step() {
  turn++;
  // Mutate deep inside each structure, then read everything back.
  let node = list;
  for (let i = 0; i < turn * 2000; i++) node = node.next;
  node.value += 1000000;
  nestedArrays = [nestedArrays, 'turn' + turn];
  let leaf = tree;
  for (let d = 0; d < 12; d++) leaf = turn % 2 ? leaf.left : leaf.right;
  leaf.id += turn;
  console.log(`turn ${turn}: list ${listStats()}; arrays ${arrayDepth()}; tree sum ${treeSum(tree)}`);
  if (turn < 8) setTimeout(step, 50);
  else finish();
}

function finish() {
  if (listStats() !== `20000 nodes sum ${(20000 * 20001) / 2 + 8 * 1000000}`) throw new Error('list changed');
  if (nestedArrays[1] !== 'turn8' || nestedArrays[0][0][1] !== 'turn6') throw new Error('nested arrays changed');
  console.log('ok');
}

console.log(`start: list ${listStats()}; arrays ${arrayDepth()}; tree sum ${treeSum(tree)}`);
setTimeout(step, 50);
