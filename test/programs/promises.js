// Promises the program holds across turns: deferreds resolved much later, chains with reactions registered before a cut,
// settled promises read after it, rejections caught later in the chain, finally, adopting thenables and other promises.
'use strict';

function deferred(label) {
  let resolve, reject;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { label, promise, resolve, reject };
}

const events = [];
function note(line) {
  events.push(line);
  console.log(line);
}

// Deferreds settled by later timers; their reactions are registered now.
const gates = [deferred('g0'), deferred('g1'), deferred('g2'), deferred('g3')];
gates.forEach((g, i) => {
  g.promise
    .then((v) => {
      note(`${g.label} resolved with ${JSON.stringify(v)}`);
      return v.n * 10;
    })
    .then((x) => note(`${g.label} chained ${x}`))
    .catch((e) => note(`${g.label} rejected: ${e.message}`))
    .finally(() => note(`${g.label} finally (${i})`));
});

// A long chain whose links each wait for the next step (a pending promise per link) and close over state.
let acc = 1;
const turnWaiters = [];
const nextTurn = () => new Promise((r) => turnWaiters.push(r));
const chain = [1, 2, 3, 4, 5].reduce((p, k) => p.then((v) => nextTurn().then(() => v * k + acc++)), Promise.resolve(0));

// Settled promises kept in state and read after the cut.
const settled = {
  fulfilled: Promise.resolve({ deep: [1, 2, 3] }),
  rejected: Promise.reject(new TypeError('kept rejected')),
  adopted: Promise.resolve({ then: (r) => r('from thenable') }),
  nested: new Promise((r) => r(Promise.resolve('inner'))),
};
settled.rejected.catch(() => {}); // handled, but the promise stays rejected

// Several reactions on one pending promise, run in registration order.
const shared = deferred('shared');
const order = [];
for (const tag of ['a', 'b', 'c']) shared.promise.then((v) => order.push(`${tag}${v}`));

let turn = 0;
function step() {
  turn++;
  turnWaiters.splice(0).forEach((wake) => wake(turn));
  if (turn === 2) gates[0].resolve({ n: 1 });
  if (turn === 4) gates[2].reject(new Error('gate two closed'));
  if (turn === 5) shared.resolve(turn);
  if (turn === 6) {
    gates[1].resolve({ n: 2 });
    gates[1].resolve({ n: 99 }); // ignored: already resolved
    gates[1].reject(new Error('ignored'));
  }
  if (turn === 7) shared.promise.then((v) => order.push(`late${v}`)); // registered after settling
  if (turn === 8) gates[3].resolve(new Promise((r) => setTimeout(r, 60, { n: 4 }))); // resolved with a pending promise
  console.log(`turn ${turn}: events=${events.length} order=${order.join(',')}`);
  if (turn < 12) setTimeout(step, 40);
  else setTimeout(finish, 40);
}

async function finish() {
  const values = await Promise.all([settled.fulfilled, settled.adopted, settled.nested, chain]);
  const rejection = await settled.rejected.then(
    () => 'wrong',
    (e) => `${e.name}: ${e.message}`,
  );
  console.log(`settled: ${JSON.stringify(values)} ${rejection}`);
  if (values[3] !== 5 * (4 * (3 * (2 * (1 * 0 + 1) + 2) + 3) + 4) + 5) throw new Error('chain value wrong: ' + values[3]);
  if (order.join(',') !== 'a5,b5,c5,late5') throw new Error('reaction order wrong');
  const expected = ['g0 resolved with {"n":1}', 'g0 chained 10', 'g0 finally (0)', 'g2 rejected: gate two closed', 'g2 finally (2)', 'g1 resolved with {"n":2}', 'g1 chained 20', 'g1 finally (1)', 'g3 resolved with {"n":4}', 'g3 chained 40', 'g3 finally (3)'];
  if (events.join('|') !== expected.join('|')) throw new Error('events wrong: ' + events.join('|'));
  console.log('ok');
}

setTimeout(step, 30);
