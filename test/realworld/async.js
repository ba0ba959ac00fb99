// async (caolan) in ordinary use across turns: a queue with concurrency 1 fed over time, async.series of timer tasks,
// async.retry with a flaky task, async.mapLimit; callbacks and state kept across turns.
'use strict';

const async = require('async');

const processed = [];
const q = async.queue((task, done) => {
  setTimeout(() => {
    processed.push(task.name);
    done(null, task.name.length);
  }, task.ms);
}, 1);
q.drain(() => console.log(`queue drained after ${processed.length} tasks`));
let attempts = 0;
const flaky = (cb) => setTimeout(() => (++attempts < 3 ? cb(new Error(`attempt ${attempts} failed`)) : cb(null, `succeeded on ${attempts}`)), 20);

async.series(
  [
    (cb) => {
      for (const [i, name] of ['alpha', 'beta', 'gamma', 'delta', 'epsilon'].entries()) q.push({ name, ms: 30 }, (err, len) => console.log(`task ${i} ${name} done len=${len}`));
      q.drain(() => cb(null, 'queue'));
    },
    (cb) => async.retry({ times: 5, interval: 25 }, flaky, cb),
    (cb) => async.mapLimit([5, 3, 8, 1], 1, (n, next) => setTimeout(() => next(null, n * n), 20 + n), cb),
    (cb) => async.waterfall([(next) => setTimeout(next, 30, null, 2), (n, next) => setTimeout(next, 30, null, n * 21)], cb),
  ],
  (err, results) => {
    if (err) throw err;
    console.log(`series results ${JSON.stringify(results)}`);
    if (results[1] !== 'succeeded on 3' || results[2].join() !== '25,9,64,1' || results[3] !== 42 || processed.length !== 5) throw new Error('results wrong');
    console.log('ok');
  },
);
