// `arguments` objects kept across turns: a mapped one from a sloppy-mode function (this file is not strict) whose writes
// reach the parameters and back, unmapped ones from strict functions, extra properties, length changes, iteration, callee.
function sloppyKeep(a, b) {
  // non-strict function: the arguments object is mapped to the parameters
  const args = arguments;
  return {
    args,
    setParam(v) {
      a = v; // visible through args[0] while mapped
    },
    readParams() {
      return [a, b];
    },
  };
}

function strictKeep() {
  'use strict';
  return arguments; // unmapped
}

function collectAll() {
  return Array.prototype.slice.call(arguments);
}

const mapped = sloppyKeep('first', 'second', 'third');
const unmapped = strictKeep(1, { nested: true }, [3], undefined);
const empty = strictKeep();
unmapped.extra = 'own property';
const shared = { shared: 'object' };
const pair = strictKeep(shared, shared);
const holder = [mapped.args, unmapped];
let turn = 0;

function step() {
  turn++;
  mapped.setParam(`param-set-${turn}`);
  if (turn === 4) mapped.args[1] = 'written through arguments'; // mapped: changes b
  if (turn === 6) unmapped.length = 2; // length is an ordinary writable property
  if (turn === 8) mapped.args.length = 5;
  const viaIter = [...unmapped].length;
  console.log(`turn ${turn}: mapped[0]=${mapped.args[0]} params=${mapped.readParams().join('|')} mapped.length=${mapped.args.length} unmapped.length=${unmapped.length} iterated=${viaIter} rest=${collectAll.apply(null, unmapped).length}`);
  if (turn < 12) setTimeout(step, 30);
  else finish();
}

function finish() {
  if (Object.prototype.toString.call(unmapped) !== '[object Arguments]' || Object.prototype.toString.call(mapped.args) !== '[object Arguments]') throw new Error('not an arguments object any more');
  if (mapped.args[0] !== 'param-set-12' || mapped.readParams()[1] !== 'written through arguments') throw new Error('mapping between arguments and parameters lost');
  if (unmapped.extra !== 'own property' || unmapped[1].nested !== true || Array.isArray(unmapped) || empty.length !== 0) throw new Error('arguments contents lost');
  if (pair[0] !== pair[1] || pair[0] !== shared || holder[1] !== unmapped) throw new Error('identity lost');
  let threw = false;
  try {
    unmapped.callee; // strict arguments: callee throws
  } catch (e) {
    threw = e instanceof TypeError;
  }
  if (!threw || mapped.args.callee !== sloppyKeep) throw new Error('callee semantics lost');
  const d = Object.getOwnPropertyDescriptor(unmapped, 'length');
  if (d.enumerable || !d.writable) throw new Error('length descriptor lost');
  console.log(`final mapped ${JSON.stringify([...mapped.args])} unmapped ${JSON.stringify([...unmapped])}`);
  console.log('ok');
}

setTimeout(step, 30);
