// Promise.all / allSettled / race / any in flight across turns: each combinator waits on timers that finish at different
// turns, so cuts fall while some inputs are settled and others pending; includes rejections and AggregateError.
'use strict';

const later = (ms, v) => new Promise((r) => setTimeout(r, ms, v));
const laterFail = (ms, msg) => new Promise((_, rej) => setTimeout(() => rej(new Error(msg)), ms));
const results = {};
let turn = 0;

// A silent heartbeat: more event-loop turns, so cuts also land between the settling inputs. (It prints nothing: an
// interval drifts under load, so its lines could interleave differently with the settlements.) All inputs are created
// in the same turn and settle at least 40 ms apart.
const heartbeat = setInterval(() => {
  turn++;
}, 40);

function round(name, make) {
  return make().then(
    (v) => {
      results[name] = v;
      console.log(`${name} fulfilled: ${JSON.stringify(v)}`);
    },
    (e) => {
      results[name] = e;
      const detail = e instanceof AggregateError ? ` [${e.errors.map((x) => x.message).join('; ')}]` : '';
      console.log(`${name} rejected: ${e.constructor.name} ${e.message}${detail}`);
    },
  );
}

async function main() {
  await Promise.all([
    round('all', () => Promise.all([later(60, 'a'), later(140, 'b'), 'plain', later(220, { c: 3 })])),
    round('allFail', () => Promise.all([later(100, 1), laterFail(180, 'second failed'), later(260, 3)])),
    round('allSettled', () => Promise.allSettled([later(20, 'x'), laterFail(300, 'late failure'), Promise.resolve('now')])),
    round('race', () => Promise.race([later(620, 'slow'), later(340, 'fast'), laterFail(660, 'slower failure')])),
    round('any', () => Promise.any([laterFail(420, 'f1'), later(500, 'winner'), later(580, 'too late')])),
    round('anyNone', () => Promise.any([laterFail(460, 'e1'), laterFail(540, 'e2'), Promise.reject(new Error('e0'))])),
  ]);
  // A second wave built from values of the first (started about 540 ms in, when the last round settles; due after the
  // last inputs of the first wave, again between beats).
  const wave = await Promise.all(
    ['all', 'allSettled', 'race', 'any'].map((k, i) => later(160 + 40 * i, `${k}:${JSON.stringify(results[k]).length}`)),
  );
  console.log(`wave ${wave.join(' ')}; heartbeat ran ${turn > 10 ? 'more than 10' : 'at most 10'} times`);
  clearInterval(heartbeat);
  if (results.all.join(',') !== 'a,b,plain,[object Object]' || results.race !== 'fast' || results.any !== 'winner') throw new Error('wrong values');
  if (!(results.anyNone instanceof AggregateError) || results.anyNone.errors.length !== 3) throw new Error('AggregateError lost');
  if (results.allSettled.map((s) => s.status).join() !== 'fulfilled,rejected,fulfilled') throw new Error('allSettled wrong');
  if (results.allFail.message !== 'second failed') throw new Error('Promise.all must reject with the first rejection');
  console.log('ok');
}

main();
