// Less common scopes captured by closures: deep nesting, recursive activations, catch bindings, switch blocks, a function's own name.
'use strict';

// Four nested functions, each capturing variables from every level above it.
function level1(a) {
  let one = a + 1;
  return function level2(b) {
    let two = b * 2;
    return (c) => {
      const three = c - 3;
      return () => {
        one++;
        two++;
        return `${a}/${one}/${b}/${two}/${c}/${three}`;
      };
    };
  };
}
const deep = level1(10)(20)(30);
const sibling = level1(100)(200)(300); // a separate chain: must not share with `deep`

// Every recursive activation keeps its own n.
function countdown(n) {
  if (n === 0) return [];
  const rest = countdown(n - 1);
  rest.push(() => n * 100);
  return rest;
}
const activations = countdown(5);

// A catch parameter captured by a closure.
const errors = [];
for (const input of ['{"ok":1}', '{bad', '[1,2', 'null']) {
  try {
    JSON.parse(input);
  } catch (error) {
    errors.push(() => `${input} -> ${error.name}`);
  }
}

// A let declared in a switch case block.
function classify(x) {
  switch (typeof x) {
    case 'number': {
      let kind = x % 2 ? 'odd' : 'even';
      return () => kind;
    }
    default: {
      let kind = 'not a number';
      return () => kind;
    }
  }
}
const kinds = [classify(3), classify(4), classify('x')];

// A named function expression's own name, captured from inside.
const selfNamed = function tick() {
  return () => tick.name;
};

let turn = 0;
function step() {
  turn++;
  console.log(`turn ${turn}: deep=${deep()} sibling=${sibling()} activations=${activations.map((f) => f())} errors=${errors.map((f) => f()).join('; ')} kinds=${kinds.map((f) => f())} self=${selfNamed()()}`);
  if (turn < 8) setTimeout(step, 40);
  else finish();
}

function finish() {
  if (deep() !== '10/20/20/49/30/27') throw new Error('deep chain state wrong: ' + deep());
  if (sibling() !== '100/110/200/409/300/297') throw new Error('sibling chain state wrong');
  if (activations.map((f) => f()).join() !== '100,200,300,400,500') throw new Error('recursive activations merged');
  if (errors.length !== 2) throw new Error('catch bindings lost');
  console.log('ok');
}

setTimeout(step, 40);
