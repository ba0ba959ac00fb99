// A counter: one line per tick, 30 ticks, 100 ms apart. Its whole state lives in a closure
// and an object, so after a migration the count must go on exactly where it was.
//
//   thingsctl dispatch mqtt://localhost run worker-A counter.js
//   thingsctl dispatch mqtt://localhost migrate worker-A worker-B counter.js ID
//
// Deterministic: the same lines every run, migrated or not.

var LIMIT = 30;

function makeCounter(step) {
  var stats = { count: 0, sum: 0, history: [] };
  return {
    next: function () {
      stats.count += step;
      stats.sum += stats.count;
      stats.history.push(stats.count);
      if (stats.history.length > 5) stats.history.shift();
      return stats;
    },
  };
}

var counter = makeCounter(1);
var timer = setInterval(function () {
  var s = counter.next();
  console.log('count ' + s.count + ' (sum ' + s.sum + ', last ' + s.history.join(',') + ')');
  if (s.count >= LIMIT) {
    clearInterval(timer);
    console.log('done');
  }
}, 100);
