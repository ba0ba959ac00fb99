// Private class members: #fields, #methods, static #fields, #accessors, `#x in o` brand checks, private state across turns.
'use strict';

class Account {
  static #count = 0;
  static #ledger = [];
  #balance = 0;
  #owner;
  #log = [];

  constructor(owner, opening) {
    this.#owner = owner;
    this.#deposit(opening);
    Account.#count++;
  }
  #deposit(n) {
    this.#balance += n;
    this.#log.push(`+${n}`);
    Account.#ledger.push([this.#owner, n]);
  }
  #withdraw(n) {
    if (n > this.#balance) return false;
    this.#balance -= n;
    this.#log.push(`-${n}`);
    Account.#ledger.push([this.#owner, -n]);
    return true;
  }
  get #summary() {
    return `${this.#owner}=${this.#balance}`;
  }
  set #rename(name) {
    this.#log.push(`rename ${this.#owner}->${name}`);
    this.#owner = name;
  }
  transferTo(other, n) {
    if (!Account.isAccount(other)) throw new TypeError('not an account');
    if (!this.#withdraw(n)) return false;
    other.#deposit(n); // private access on another instance of the same class
    return true;
  }
  rename(name) {
    this.#rename = name;
  }
  describe() {
    return this.#summary;
  }
  history() {
    return this.#log.join(',');
  }
  get balance() {
    return this.#balance;
  }
  static isAccount(o) {
    return #balance in o;
  }
  static get count() {
    return Account.#count;
  }
  static ledgerTotal() {
    return Account.#ledger.reduce((s, [, n]) => s + n, 0);
  }
  static #secretFactory(owner) {
    return new Account(owner, 1);
  }
  static make(owner) {
    return Account.#secretFactory(owner);
  }
}

class Savings extends Account {
  #rate;
  constructor(owner, opening, rate) {
    super(owner, opening);
    this.#rate = rate;
  }
  accrue() {
    const interest = Math.floor((this.balance * this.#rate) / 100);
    if (interest) this.constructor.bank.transferTo(this, interest);
    return interest;
  }
  static hasRate(o) {
    return #rate in o;
  }
}

const bank = new Account('bank', 100000);
Savings.bank = bank;
const people = [new Account('ann', 500), new Savings('ben', 1000, 2), Account.make('cy')];
const impostor = { balance: 1000, describe: () => 'fake' };
let turn = 0;

function step() {
  turn++;
  const [from, to] = [people[turn % 3], people[(turn + 1) % 3]];
  const moved = from.transferTo(to, 37 * turn);
  const interest = people[1].accrue();
  if (turn === 6) people[0].rename('anne');
  console.log(`turn ${turn}: moved=${moved} interest=${interest} ${people.map((p) => p.describe()).join(' ')} brand=${Account.isAccount(people[2])}/${Account.isAccount(impostor)}/${Savings.hasRate(people[1])}/${Savings.hasRate(people[0])}`);
  if (turn < 12) setTimeout(step, 30);
  else finish();
}

function finish() {
  let threw = false;
  try {
    people[0].transferTo(impostor, 1);
  } catch (e) {
    threw = e instanceof TypeError;
  }
  if (!threw) throw new Error('brand check failed on impostor');
  try {
    Account.prototype.describe.call(impostor);
    throw new Error('private access on a foreign object must throw');
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
  }
  const sum = [bank, ...people].reduce((s, p) => s + p.balance, 0);
  if (sum !== Account.ledgerTotal() || Account.count !== 4) throw new Error('private static state lost');
  if (Object.keys(people[1]).length !== 0 || JSON.stringify(people[0]) !== '{}') throw new Error('private fields leaked as properties');
  console.log(`history ann: ${people[0].history()}`);
  console.log(`total ${sum}, accounts ${Account.count}`);
  console.log('ok');
}

setTimeout(step, 30);
