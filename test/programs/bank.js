// A bank-account simulation: accounts as closures over private balances, daily transfers on a timer, money is conserved.
'use strict';

function createAccount(owner, openingCents) {
  let balance = openingCents;
  const history = [];
  function record(kind, amount) {
    history.push({ kind, amount, balance });
  }
  return {
    owner,
    deposit(amount) {
      balance += amount;
      record('deposit', amount);
    },
    withdraw(amount) {
      if (amount > balance) {
        record('refused', amount);
        return false;
      }
      balance -= amount;
      record('withdraw', amount);
      return true;
    },
    balance: () => balance,
    history: () => history,
  };
}

function makeRandom(seed) {
  let s = seed;
  return (n) => {
    s = (s * 48271) % 2147483647;
    return s % n;
  };
}

function makeInterest(ratePerMille) {
  let paidOut = 0;
  return {
    apply(account) {
      const interest = Math.floor((account.balance() * ratePerMille) / 1000);
      account.deposit(interest);
      paidOut += interest;
      return interest;
    },
    total: () => paidOut,
  };
}

const bank = {
  accounts: [createAccount('alice', 50000), createAccount('bob', 12000), createAccount('carol', 300), createAccount('dave', 99999)],
  random: makeRandom(42),
  interest: makeInterest(3),
  refused: 0,
  day: 0,
};
const initialTotal = total();

function total() {
  return bank.accounts.reduce((sum, a) => sum + a.balance(), 0);
}

function fmt(cents) {
  return (cents / 100).toFixed(2);
}

function transfer(from, to, amount) {
  if (!from.withdraw(amount)) {
    bank.refused++;
    return `${from.owner} -> ${to.owner} ${fmt(amount)} REFUSED`;
  }
  to.deposit(amount);
  return `${from.owner} -> ${to.owner} ${fmt(amount)}`;
}

function day() {
  bank.day++;
  const lines = [];
  for (let t = 0; t < 3; t++) {
    const from = bank.accounts[bank.random(4)];
    const to = bank.accounts[(bank.accounts.indexOf(from) + 1 + bank.random(3)) % 4];
    lines.push(transfer(from, to, 100 + bank.random(30000)));
  }
  let interest = 0;
  if (bank.day % 7 === 0) interest = bank.accounts.reduce((sum, a) => sum + bank.interest.apply(a), 0);
  console.log(`day ${bank.day}: ${lines.join('; ')}${interest ? `; interest ${fmt(interest)}` : ''}`);
  console.log(`  balances ${bank.accounts.map((a) => `${a.owner}=${fmt(a.balance())}`).join(' ')}`);
  if (total() !== initialTotal + bank.interest.total()) throw new Error('money was created or destroyed');
  if (bank.day < 30) setTimeout(day, 20);
  else finish();
}

function finish() {
  const moves = bank.accounts.reduce((n, a) => n + a.history().length, 0);
  console.log(`after ${bank.day} days: total ${fmt(total())}, interest ${fmt(bank.interest.total())}, refused ${bank.refused}, history entries ${moves}`);
  const last = bank.accounts[0].history().slice(-1)[0];
  if (last.balance !== bank.accounts[0].balance()) throw new Error('history out of sync with balance');
  console.log('ok');
}

console.log(`opening total ${fmt(initialTotal)}`);
setTimeout(day, 20);
