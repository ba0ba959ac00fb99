// Cyclic references: self-loops, a doubly linked ring, an array containing itself, object<->closure cycles, parent pointers.
'use strict';

const self = { name: 'self' };
self.me = self;

function makeRing(n) {
  const first = { id: 0 };
  let prev = first;
  for (let i = 1; i < n; i++) {
    const node = { id: i, prev };
    prev.next = node;
    prev = node;
  }
  prev.next = first;
  first.prev = prev;
  return first;
}
let cursor = makeRing(5);

const box = [];
box.push(box, 'payload', [box]);

const owner = { label: 'owner' };
owner.whoami = () => owner.label; // closure -> object -> closure

const root = { name: 'root', children: [] };
for (const name of ['a', 'b']) {
  const kid = { name, parent: root, children: [] };
  kid.children.push({ name: name + '1', parent: kid, children: [] });
  root.children.push(kid);
}

function pathOf(node) {
  const parts = [];
  for (let n = node; n; n = n.parent) parts.unshift(n.name);
  return parts.join('/');
}

let turn = 0;
function step() {
  turn++;
  cursor = turn % 2 ? cursor.next : cursor.next.next; // walk the ring
  owner.label = 'owner' + turn;
  const ringOk = cursor.next.prev === cursor && cursor.prev.next === cursor;
  const leaf = root.children[turn % 2].children[0];
  console.log(`turn ${turn}: at ${cursor.id} ringOk=${ringOk} self=${self.me.me === self} box=${box[0][2][0] === box} ${owner.whoami()} path=${pathOf(leaf)}`);
  if (turn === 3) console.log(self, box);
  if (turn < 7) setTimeout(step, 50);
  else finish();
}

function finish() {
  let n = cursor;
  for (let i = 0; i < 5; i++) n = n.next;
  if (n !== cursor) throw new Error('ring is no longer a cycle of 5');
  if (self.me !== self || box[0] !== box || box[2][0] !== box) throw new Error('self references broken');
  if (root.children[1].children[0].parent.parent !== root) throw new Error('parent pointers broken');
  console.log('ok');
}

setTimeout(step, 50);
