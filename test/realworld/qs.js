// qs in ordinary use across turns: a nested filter object edited turn by turn, stringified with brackets and parsed back,
// arrays, depth limits and custom delimiters; the parsed objects are kept.
'use strict';

const qs = require('qs');

const state = { filter: { status: ['open'], owner: { name: 'ann' } }, page: 1, sort: '-created' };
const history = [];
let turn = 0;

function step() {
  turn++;
  state.page++;
  if (turn % 2) state.filter.status.push(['closed', 'review', 'blocked'][turn % 3]);
  if (turn === 4) state.filter.owner.team = 'core & ops';
  if (turn === 7) state.filter.tags = { any: ['a b', 'c=d'] };
  const text = qs.stringify(state, { encodeValuesOnly: true });
  const back = qs.parse(text, { arrayLimit: 50 });
  history.push(back);
  const semi = qs.stringify({ t: turn, list: [1, 2] }, { delimiter: ';', arrayFormat: 'brackets' });
  console.log(`turn ${turn}: ${text} | ${semi} | round-trip page=${back.page}`);
  if (turn < 12) setTimeout(step, 30);
  else finish();
}

function finish() {
  const last = history[history.length - 1];
  if (last.filter.owner.team !== 'core & ops' || last.filter.tags.any[1] !== 'c=d' || last.filter.status.length !== 7) throw new Error('round trip lost');
  const shallow = qs.parse('a[b][c][d][e]=1', { depth: 2 });
  console.log(`depth-limited ${JSON.stringify(shallow)}; first ${JSON.stringify(history[0])}`);
  console.log('ok');
}

setTimeout(step, 30);
