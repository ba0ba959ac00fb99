// The ThingsJS tutorial program: computes 3000! one multiplication per setImmediate, with a
// setInterval printing progress. About 15 seconds: time enough to migrate it by hand.
//
//   thingsctl dispatch mqtt://localhost run worker-A factorial.js
//   thingsctl dispatch mqtt://localhost migrate worker-A worker-B factorial.js ID
//
// Deterministic: the interval hands the computation a budget of steps and prints only when
// the budget is spent, so the output does not depend on how fast the machine is.

var N = 3000;
var STEPS_PER_TICK = 100;
var BASE = 10000000; // seven decimal digits per limb; limb * N stays far below 2^53

// A big number as little-endian limbs.
function multiply(limbs, k) {
  var carry = 0;
  for (var i = 0; i < limbs.length; i++) {
    var v = limbs[i] * k + carry;
    limbs[i] = v % BASE;
    carry = Math.floor(v / BASE);
  }
  while (carry > 0) {
    limbs.push(carry % BASE);
    carry = Math.floor(carry / BASE);
  }
}

function toDecimal(limbs) {
  var s = String(limbs[limbs.length - 1]);
  for (var i = limbs.length - 2; i >= 0; i--) {
    var part = String(limbs[i]);
    while (part.length < 7) part = '0' + part;
    s += part;
  }
  return s;
}

var state = { k: 1, value: [1], budget: 0, working: false };

function step() {
  state.working = false;
  if (state.k >= N || state.budget === 0) return;
  state.k += 1;
  multiply(state.value, state.k);
  state.budget -= 1;
  schedule();
}

function schedule() {
  if (!state.working && state.budget > 0 && state.k < N) {
    state.working = true;
    setImmediate(step);
  }
}

var progress = setInterval(function () {
  if (state.budget > 0 && state.k < N) return; // still working on the last budget
  var digits = toDecimal(state.value);
  if (state.k < N) {
    console.log(state.k + '! = ' + digits.slice(0, 12) + '... (' + digits.length + ' digits)');
  } else {
    clearInterval(progress);
    var sum = 0;
    for (var i = 0; i < digits.length; i++) sum += digits.charCodeAt(i) - 48;
    console.log(N + '! = ' + digits.slice(0, 20) + '... (' + digits.length + ' digits, digit sum ' + sum + ')');
    return;
  }
  state.budget = STEPS_PER_TICK;
  schedule();
}, 500);
