// bignumber.js in ordinary use across turns: a ledger of exact decimal amounts with compound interest at a configured
// precision (a cloned BigNumber constructor with its own config), rounding modes, and comparisons of kept values.
'use strict';

const { BigNumber } = require('bignumber.js');

const Money = BigNumber.clone({ DECIMAL_PLACES: 20, ROUNDING_MODE: BigNumber.ROUND_HALF_EVEN });
const rate = new Money('0.0425').div(12); // monthly
let balance = new Money('1000.10');
const ledger = [];
const tiny = new Money('0.1').plus('0.2');
let turn = 0;

function step() {
  turn++;
  const interest = balance.times(rate);
  balance = balance.plus(interest).minus(turn % 4 === 0 ? '123.45' : 0);
  ledger.push({ turn, interest, balance });
  console.log(`turn ${turn}: interest ${interest.toFixed(6)} balance ${balance.toFixed(2)} (${balance.decimalPlaces()} dp, exact ${balance.toPrecision(25)})`);
  if (turn < 14) setTimeout(step, 30);
  else finish();
}

function finish() {
  const sum = ledger.reduce((s, e) => s.plus(e.interest), new Money(0));
  const expected = new Money('1000.10').plus(sum).minus(new Money('123.45').times(3));
  if (!expected.eq(balance)) throw new Error('ledger does not add up');
  if (!tiny.eq('0.3') || !BigNumber.isBigNumber(balance) || Money.config().DECIMAL_PLACES !== 20) throw new Error('config or values lost');
  console.log(`total interest ${sum.toFixed(8)}; ROUND_DOWN ${balance.decimalPlaces(1, BigNumber.ROUND_DOWN).toString()}; hex ${new BigNumber(255).toString(16)}`);
  console.log('ok');
}

setTimeout(step, 30);
