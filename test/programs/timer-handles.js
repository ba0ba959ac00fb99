// Timer handle methods across turns: refresh() re-arming a watchdog and a fired timeout, unref()/ref()/hasRef(), an unref'd
// interval that must not keep the process alive, clearing a timer by its numeric id, close(), `this` in callbacks.
'use strict';

const steps = 10;
let turn = 0;
let backgroundTicks = 0;
let refreshedFires = 0;
const notes = [];

// Work on a 40 ms grid; the background interval on the 20 ms offset; other timers on 10/30 ms offsets.
const work = setInterval(function () {
  turn++;
  watchdog.refresh(); // pushes the watchdog back: it fires only once work stops
  // From turn 2 on, once the background interval exists (its 20 ms creation timer can come
  // late on a loaded machine: no line depends on when).
  if (turn >= 2 && background !== undefined && background.hasRef()) {
    background.unref();
    notes.push(`bg.hasRef=${background.hasRef()}`);
  }
  if (turn === 3) {
    neverFires.unref();
    notes.push(`nf.hasRef=${neverFires.hasRef()}`);
  }
  if (turn === 4) clearTimeout(numericId); // cleared by its primitive id, created at the start
  if (turn === steps) {
    clearInterval(this); // `this` is the interval's own handle
    notes.push('work closed');
  }
  // (the other timers' counters are not printed per turn: independent timer chains drift apart under load)
  console.log(`work ${turn}: watchdog.hasRef=${watchdog.hasRef()}`);
}, 40);

const watchdog = setTimeout(() => {
  console.log(`watchdog fired after work stopped (turn ${turn}); notes: ${notes.sort().join('; ')}`);
  if (turn !== steps || refreshedFires !== 3 || backgroundTicks < 5) throw new Error('timers wrong');
  if (!(neverFires.hasRef() === false && background.hasRef() === false)) throw new Error('unref lost');
  // From here only unref'd timers remain: the process must exit now, without running them.
  console.log('ok');
}, 300); // refreshed every 40 ms: a wide margin, so a loaded machine does not fire it early

let background;
setTimeout(() => {
  background = setInterval(() => backgroundTicks++, 40); // on the 20 ms offset of the work grid
  notes.push(`bg created, hasRef=${background.hasRef()}`);
}, 20);

// Re-armed twice with refresh() from inside its own callback, after it fired (fires at 130, 250, 370 ms).
let rearm;
setTimeout(() => {
  rearm = setTimeout(function () {
    refreshedFires++;
    notes.push(`rearm fire ${refreshedFires}`);
    if (refreshedFires < 3) this.refresh();
  }, 120);
  if (rearm.hasRef() !== true) throw new Error('hasRef wrong at start');
}, 10);

const neverFires = setTimeout(() => {
  throw new Error('an unref-ed timer kept the process alive');
}, 5000);

const toggled = setTimeout(() => notes.push('toggled fired'), 290);
toggled.unref();
toggled.ref(); // ref again: keeps the process alive and fires
const numericIdHandle = setTimeout(() => {
  throw new Error('a timer cleared by its numeric id fired');
}, 310);
const numericId = +numericIdHandle;
if (typeof numericId !== 'number' || !Number.isInteger(numericId)) throw new Error('handle has no numeric primitive');
const closed = setTimeout(() => {
  throw new Error('a closed timer fired');
}, 330);
closed.close();
if (toggled.hasRef() !== true || neverFires.hasRef() !== true) throw new Error('hasRef wrong at start');
