// Immutable.js in ordinary use across turns: a persistent Map/List state tree updated with setIn/updateIn each turn,
// every version kept (structural sharing), Records, OrderedMap, Set operations and value equality.
'use strict';

const { Map: IMap, List, Record, OrderedMap, Set: ISet, is, fromJS } = require('immutable');

const User = Record({ id: 0, name: '', roles: ISet() });
let state = fromJS({ users: {}, log: [], counters: { created: 0 } });
const versions = [state];
let order = OrderedMap();
let turn = 0;

function step() {
  turn++;
  const id = turn % 5;
  const user = state.getIn(['users', String(id)]) || new User({ id, name: `user${id}` });
  const updated = user.update('roles', (r) => r.add(['read', 'write', 'admin'][turn % 3]));
  state = state
    .setIn(['users', String(id)], updated)
    .update('log', (log) => log.push(`t${turn}:u${id}`).takeLast(6))
    .updateIn(['counters', 'created'], (n) => (user === updated ? n : n + (state.hasIn(['users', String(id)]) ? 0 : 1)));
  order = order.set(`k${turn % 4}`, turn);
  versions.push(state);
  console.log(`turn ${turn}: users=${state.get('users').size} created=${state.getIn(['counters', 'created'])} roles(u${id})=${updated.roles.sort().join('|')} log=${state.get('log').join(',')} order=${order.keySeq().join('')}`);
  if (turn < 14) setTimeout(step, 30);
  else finish();
}

function finish() {
  if (versions.length !== 15 || versions[1] === versions[2] || versions[0].get('users').size !== 0) throw new Error('versions lost');
  if (!is(fromJS({ a: [1, 2] }), IMap({ a: List([1, 2]) }))) throw new Error('value equality broken');
  const u = state.getIn(['users', '1']);
  if (!(u instanceof User) || u.roles.size !== 3 || u.name !== 'user1') throw new Error('record lost ' + u);
  if (versions[5].get('users') === versions[6].get('users')) throw new Error('structural sharing wrong');
  if (versions[3].getIn(['counters']) !== versions[4].getIn(['counters']) && state.getIn(['counters', 'created']) !== 5) throw new Error('counters wrong');
  console.log(`final ${JSON.stringify(state.toJS())}`);
  console.log('ok');
}

setTimeout(step, 30);
