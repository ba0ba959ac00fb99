// lodash in ordinary use across turns: a memoized scorer (its cache kept), a debounced-free pipeline with _.chain, groupBy /
// orderBy / cloneDeep / merge of an evolving inventory, a curried formatter, _.uniqueId counters.
'use strict';

const _ = require('lodash');

const score = _.memoize((word) => {
  score.misses = (score.misses || 0) + 1;
  return _.sumBy(word.split(''), (c) => c.charCodeAt(0) % 7);
});
const fmt = _.curry((prefix, width, value) => `${prefix}${_.padStart(String(value), width, '.')}`);
const price = fmt('$', 8);
let inventory = [
  { sku: 'a1', cat: 'tools', qty: 4, price: 1250, tags: ['steel'] },
  { sku: 'b2', cat: 'garden', qty: 10, price: 399, tags: ['green'] },
  { sku: 'c3', cat: 'tools', qty: 0, price: 2999, tags: [] },
];
const snapshots = [];
const words = 'the quick brown fox jumps over the lazy dog the end quick fox'.split(' ');
const ids = [];
let turn = 0;

function step() {
  turn++;
  const w = words[(turn - 1) % words.length];
  const s = score(w);
  snapshots.push(_.cloneDeep(inventory));
  inventory = _.map(inventory, (item, i) => _.merge({}, item, { qty: item.qty + ((turn + i) % 3) - 1, tags: turn % 4 === i ? ['sale'] : [] }));
  if (turn === 5) inventory.push({ sku: 'd4', cat: 'kitchen', qty: 7, price: 15, tags: [] });
  ids.push(_.uniqueId('job-'));
  const byCat = _.mapValues(_.groupBy(inventory, 'cat'), (items) => _.sumBy(items, 'qty'));
  const top = _.chain(inventory).filter((i) => i.qty > 0).orderBy(['price', 'sku'], ['desc', 'asc']).map('sku').take(2).value();
  console.log(`turn ${turn}: ${w}=${s} misses=${score.misses} byCat=${JSON.stringify(byCat)} top=${top} value=${price(_.sumBy(inventory, (i) => Math.max(i.qty, 0) * i.price) / 100)}`);
  if (turn < 14) setTimeout(step, 30);
  else finish();
}

function finish() {
  if (score.cache.size !== 9 || score.misses !== 9) throw new Error('memo cache lost');
  if (!_.isEqual(snapshots[0][0], { sku: 'a1', cat: 'tools', qty: 4, price: 1250, tags: ['steel'] })) throw new Error('clone changed');
  if (ids[13] !== 'job-14' || _.uniqueId('job-') !== 'job-15') throw new Error('uniqueId counter lost: ' + ids[13]);
  console.log(`tags ${JSON.stringify(_.flatMap(inventory, 'tags'))} ${_.kebabCase('Migration Works Fine')}`);
  console.log('ok');
}

setTimeout(step, 30);
