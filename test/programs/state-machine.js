// A vending-machine state machine driven by setInterval: a transition table of functions, scripted input, stops itself.
'use strict';

function createMachine() {
  let credit = 0;
  let stock = { cola: 2, water: 1 };
  const sales = [];
  const states = {
    idle: {
      coin(amount) {
        credit += amount;
        return 'paying';
      },
      select: () => 'idle',
    },
    paying: {
      coin(amount) {
        credit += amount;
        return 'paying';
      },
      select(item) {
        if (!stock[item]) return 'soldOut';
        if (credit < 150) return 'paying';
        return 'vending';
      },
      refund() {
        credit = 0;
        return 'idle';
      },
    },
    vending: {
      enter(item) {
        stock[item]--;
        credit -= 150;
        sales.push(item);
      },
      done: () => (credit > 0 ? 'paying' : 'idle'),
    },
    soldOut: {
      refund() {
        credit = 0;
        return 'idle';
      },
      restock() {
        stock = { cola: 3, water: 3 };
        return 'paying';
      },
    },
  };
  let current = 'idle';
  return {
    send(event, arg) {
      const handler = states[current][event];
      if (!handler) return `${current}: ignored ${event}`;
      const from = current;
      current = handler(arg);
      if (states[current].enter) states[current].enter(arg);
      return `${from} --${event}${arg === undefined ? '' : '(' + arg + ')'}--> ${current} [credit ${credit}]`;
    },
    state: () => current,
    report: () => ({ credit, stock, sales }),
  };
}

const script = [
  ['select', 'cola'], ['coin', 100], ['select', 'cola'], ['coin', 100], ['select', 'cola'], ['done'],
  ['coin', 100], ['select', 'cola'], ['done'], ['coin', 200], ['select', 'cola'], ['restock'],
  ['select', 'water'], ['done'], ['coin', 100], ['select', 'water'], ['done'], ['refund'], ['done'],
];

const machine = createMachine();
let step = 0;
const driver = setInterval(() => {
  const [event, arg] = script[step++];
  console.log(`${String(step).padStart(2)} ${machine.send(event, arg)}`);
  if (step === script.length) {
    clearInterval(driver);
    const { credit, stock, sales } = machine.report();
    console.log(`final state ${machine.state()}, credit ${credit}, stock ${JSON.stringify(stock)}, sales ${sales.join(',')}`);
    if (machine.state() !== 'idle' || credit !== 0 || sales.length !== 4) throw new Error('machine ended in a wrong state');
    console.log('ok');
  }
}, 30);
