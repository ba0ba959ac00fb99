// Null-prototype objects across turns: dictionaries from Object.create(null) used as word counters and routing tables,
// keys that would collide with Object.prototype (__proto__, constructor, toString, hasOwnProperty), nested null-proto trees.
'use strict';

const counts = Object.create(null);
const routes = Object.create(null);
const tree = Object.create(null);
const literal = { __proto__: null, kind: 'literal' }; // null prototype from a literal
const text = 'constructor toString __proto__ hasOwnProperty valueOf the a constructor __proto__ __proto__ isPrototypeOf toString the';
const words = text.split(' ');

routes['GET /'] = () => 'home';
routes['GET /users'] = () => 'users';
routes.__proto__ = () => 'a route literally named __proto__';
routes.constructor = () => 'a route named constructor';

function insert(path, value) {
  let node = tree;
  for (const part of path.split('/')) {
    if (!(part in node)) node[part] = Object.create(null);
    node = node[part];
  }
  node.value = value;
}

let turn = 0;
function step() {
  turn++;
  const w = words[turn - 1];
  counts[w] = (counts[w] || 0) + 1;
  insert(`root/${w}/${turn % 3}`, turn);
  const route = ['GET /', 'GET /users', '__proto__', 'constructor', 'toString'][turn % 5];
  const handler = routes[route];
  console.log(`turn ${turn}: ${w} -> ${counts[w]}; route ${route} -> ${handler ? handler() : 'no route'}; keys ${Object.keys(counts).length}`);
  if (turn < words.length) setTimeout(step, 30);
  else finish();
}

function finish() {
  for (const o of [counts, routes, tree, tree.root, tree.root.__proto__, literal]) {
    if (Object.getPrototypeOf(o) !== null) throw new Error('a null-prototype object gained a prototype');
  }
  if (counts.__proto__ !== 3 || counts.constructor !== 2 || counts.toString !== 2 || 'valueOf' in counts === false) throw new Error('counts wrong');
  if (Object.keys(counts).join() !== 'constructor,toString,__proto__,hasOwnProperty,valueOf,the,a,isPrototypeOf') throw new Error('key order wrong: ' + Object.keys(counts));
  if (typeof tree.root.the[1].value !== 'number' || 'hasOwnProperty' in literal) throw new Error('tree wrong');
  console.log(`counts ${JSON.stringify(counts)}`);
  console.log(`tree ${JSON.stringify(tree)}`);
  console.log('ok');
}

setTimeout(step, 30);
