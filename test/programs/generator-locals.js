// Locals of generators and async functions across suspensions and migrations: block and loop
// bindings no closure reaches (kept as fields of the frame), next to ones a closure does
// (records of their own, fresh per iteration); shadowing in nested blocks; temporal dead
// zones and `let x;` re-entered each iteration; catch and switch bindings; locals named like
// the machine's own fields ($s, $t0, $rv, $tr, $pc, $err, $d); and closures with no, one and
// two records made before a cut and called after it; defaults in a for-of head that read
// the head's own bindings. (Sloppy mode on purpose: a generator's `arguments` is mapped to
// its parameters.)

const sleep = (ms, v) => new Promise((r) => setTimeout(r, ms, v));

function* machineNames($s, $t0) {
  let $rv = 'rv';
  let $tr = ['tr'];
  let $pc = { pc: 1 };
  const $err = 'err';
  let $d = 0;
  yield $s;
  yield $t0;
  arguments[0] = 'mapped';
  yield [$s, $rv, $tr[0], $pc.pc, $err, $d];
  try {
    $d++;
    yield $d;
    throw new Error('boom');
  } catch ($t1) {
    yield `${$t1.message} ${$s} ${$d}`;
  } finally {
    $pc = 'finally';
  }
  return $pc;
}

async function loops(label) {
  const out = [];
  const keep = [];
  for (let i = 0; i < 4; i++) {
    // i and k: no closure reaches them
    let k;
    if (i === 0) k = 'first';
    out.push(`${i}:${k}`);
    k = i * 10;
    await sleep(7);
    out.push(`${i}:${k}`);
    {
      let i = 'inner';
      await sleep(3);
      out.push(i);
    }
    out.push(i);
  }
  for (let j = 0; j < 3; j++) {
    // j is reached by a closure: one binding per iteration
    keep.push(() => j);
    await sleep(5);
  }
  for (const [a, b] of [['x', 1], ['y', 2]]) {
    await sleep(4);
    out.push(a + b);
  }
  // defaults in a loop head that read the head's own bindings
  for (const [p, { q = p + 'q' }] of [['p', {}], ['r', { q: 's' }]]) {
    await sleep(4);
    out.push(p + q);
    keep.push(() => q);
  }
  let n = 0;
  while (n < 3) {
    try {
      out.push(late);
    } catch (e) {
      out.push(e.constructor.name);
    }
    let late = n;
    await sleep(6);
    out.push(`late ${late}`);
    n++;
  }
  switch (n) {
    case 3:
      let s = 'three';
      await sleep(2);
      out.push(s);
      break;
    default:
      out.push('other');
  }
  try {
    await sleep(3);
    throw new TypeError('caught');
  } catch (err) {
    await sleep(3);
    out.push(err.message);
  }
  const line = `${out.join(' ')} ${keep.map((f) => f()).join(',')}`;
  console.log(label, line);
  return line;
}

async function* counter(limit) {
  for (let i = 0; i < limit; i++) {
    let doubled = i * 2;
    await sleep(5);
    yield doubled;
  }
}

function makeClosures() {
  const none = () => 'none';
  let a = 1;
  const one = () => ++a;
  const two = [];
  for (let i = 0; i < 2; i++) {
    two.push(() => `${i}/${a}`);
  }
  return { none, one, two };
}

async function main() {
  const g = machineNames('s-arg', 't0-arg');
  const closures = makeClosures();
  const seen = [];
  for (let step = 0; step < 7; step++) {
    const r = g.next();
    seen.push(JSON.stringify(r));
    console.log('gen', JSON.stringify(r));
    await sleep(11);
    console.log('closures', closures.none(), closures.one(), closures.two.map((f) => f()).join(' '));
  }
  const expectGen = '{"value":"s-arg","done":false}|{"value":"t0-arg","done":false}|{"value":["mapped","rv","tr",1,"err",0],"done":false}|{"value":1,"done":false}|{"value":"boom mapped 1","done":false}|{"value":"finally","done":true}|{"done":true}';
  if (seen.join('|') !== expectGen) throw new Error('generator with machine-like names: ' + seen.join('|'));
  const lines = await Promise.all([loops('A'), loops('B')]);
  const expectLoops = '0:first 0:0 inner 0 1:undefined 1:10 inner 1 2:undefined 2:20 inner 2 3:undefined 3:30 inner 3 x1 y2 ppq rs ReferenceError late 0 ReferenceError late 1 ReferenceError late 2 three caught 0,1,2,pq,s';
  if (lines[0] !== expectLoops || lines[1] !== expectLoops) throw new Error('loop bindings: ' + lines.join(' / '));
  let sum = 0;
  for await (const v of counter(5)) {
    sum += v;
    console.log('counter', v, sum);
  }
  if (sum !== 20 || closures.one() !== 9) throw new Error('counter or closures wrong');
  console.log('ok');
}

main();
