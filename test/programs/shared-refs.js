// Shared references: two objects (and closures, arrays, timer args) sharing one child must still share it after restore.
'use strict';

const child = { hits: 0, tags: [] };
const left = { name: 'left', child };
const right = { name: 'right', child };
const both = [child, child, left.child];
const holder = { get: () => child };
let sharedList = ['start'];
const pushTo = (x) => sharedList.push(x);
const readFrom = () => sharedList.join('>');
const swapList = () => {
  sharedList = sharedList.slice(-1); // rebind: both closures must see the new array
};
const memo = { byName: { left, right } };

let turn = 0;
function step(argRef) {
  turn++;
  // Mutate through one path, observe through all others.
  if (turn % 2) left.child.hits++;
  else right.child.tags.push('t' + turn);
  argRef.hits += 10; // the timer argument is the same object, not a copy
  pushTo('p' + turn);
  if (turn === 4) swapList();
  if (turn === 5) memo.byName.left.child = { hits: -1, tags: ['detached'] }; // only left changes now
  const sameChild = left.child === right.child && right.child === both[1] && both[0] === holder.get();
  console.log(`turn ${turn}: hits=${right.child.hits}/${both[0].hits}/${holder.get().hits} tags=${both[1].tags.join(',')} left=${left.child.hits} same=${sameChild} list=${readFrom()}`);
  if (turn < 8) setTimeout(step, 50, both[2]);
  else finish();
}

function finish() {
  if (left.child === right.child) throw new Error('left should be detached after turn 5');
  if (right.child !== both[0] || both[0] !== both[1] || both[1] !== holder.get()) throw new Error('shared child was duplicated');
  if (memo.byName.right !== right) throw new Error('object identity lost');
  if (right.child.hits !== 3 + 10 * 8 || right.child.tags.join() !== 't2,t4,t6,t8') throw new Error('shared child state wrong');
  if (readFrom() !== 'p4>p5>p6>p7>p8') throw new Error('closures no longer share a binding');
  console.log('ok');
}

setTimeout(step, 50, child);
