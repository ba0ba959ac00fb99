// ms in ordinary use across turns: a retry schedule expressed in human strings, converted both ways, kept in state.
'use strict';

const ms = require('ms');

const policy = ['250ms', '1s', '1.5s', '10s', '2m', '1h', '1.5d', '2 weeks', '1y', '45 minutes'];
const plan = [];
let total = 0;
let turn = 0;

function step() {
  turn++;
  const text = policy[(turn - 1) % policy.length];
  const value = ms(text);
  total += value;
  plan.push({ text, value, pretty: ms(value), long: ms(value, { long: true }) });
  console.log(`turn ${turn}: ${text} = ${value} ms -> ${ms(value)} / ${ms(value, { long: true })}; total ${ms(total, { long: true })}`);
  if (turn < 13) setTimeout(step, 30);
  else finish();
}

function finish() {
  if (plan.length !== 13 || plan[2].value !== 1500 || ms('bogus') !== undefined) throw new Error('plan lost');
  console.log(`total ${total} = ${ms(total)}`);
  console.log('ok');
}

setTimeout(step, 30);
