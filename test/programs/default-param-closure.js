// Parameter defaults that are closures over earlier parameters (their own scope), kept across turns.
'use strict';

function makeAccount(owner, balance = 0, describe = () => `${owner} has ${balance}`) {
  return {
    deposit(amount) {
      balance += amount; // the default's closure sees the same parameter binding
    },
    describe,
  };
}

function withFallback(name, greet = (greeting) => `${greeting}, ${name}`) {
  name = name.toUpperCase(); // reassigning the parameter is visible to the default's closure
  return greet;
}

const account = makeAccount('ada', 10);
const greet = withFallback('grace');

let turn = 0;
function step() {
  turn++;
  account.deposit(turn);
  console.log(`turn ${turn}: ${account.describe()}; ${greet('hello')}`);
  if (turn < 6) setTimeout(step, 50);
  else {
    if (account.describe() !== 'ada has 31') throw new Error('parameter binding not shared with the default closure');
    console.log('ok');
  }
}

setTimeout(step, 50);
