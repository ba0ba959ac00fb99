// Date objects held across turns: fixed instants (never the clock), stepping by days/months in UTC, invalid dates,
// dates as Map keys and in arrays, extra properties on a Date, toISOString/toJSON/getTime after restore.
'use strict';

const start = new Date(Date.UTC(2024, 0, 30, 23, 59, 58, 123)); // month-end and leap-year edges ahead
const cursor = new Date(start.getTime());
const invalid = new Date(NaN);
const epoch = new Date(0);
const beforeEpoch = new Date(-86400000 * 365.25 * 100);
const far = new Date(8.64e15); // the largest valid Date
const byDay = new Map();
const history = [];
cursor.label = 'cursor'; // an own property on a Date object
let turn = 0;

function step() {
  turn++;
  if (turn % 3 === 0) cursor.setUTCMonth(cursor.getUTCMonth() + 1);
  else cursor.setUTCDate(cursor.getUTCDate() + 1);
  cursor.setUTCSeconds(cursor.getUTCSeconds() + 1);
  const snapshot = new Date(cursor); // a copy kept in state
  history.push(snapshot);
  byDay.set(snapshot, snapshot.getUTCDay());
  console.log(`turn ${turn}: ${cursor.toISOString()} weekday=${cursor.getUTCDay()} json=${JSON.stringify({ at: snapshot })} label=${cursor.label}`);
  if (turn < 16) setTimeout(step, 30);
  else finish();
}

function finish() {
  if (!(invalid instanceof Date) || !Number.isNaN(invalid.getTime()) || String(invalid) !== 'Invalid Date') throw new Error('invalid date changed');
  if (epoch.getTime() !== 0 || beforeEpoch.toISOString() !== '1869-12-31T00:00:00.000Z' || far.toISOString() !== '+275760-09-13T00:00:00.000Z') throw new Error('fixed dates changed');
  if (start.toISOString() !== '2024-01-30T23:59:58.123Z' || start.getUTCMilliseconds() !== 123) throw new Error('start changed');
  if (byDay.size !== 16 || byDay.get(history[5]) !== history[5].getUTCDay() || !history.every((d) => d instanceof Date)) throw new Error('dates as keys lost');
  if (history[0] === history[1] || history[15].getTime() !== cursor.getTime()) throw new Error('identity wrong');
  if (Object.prototype.toString.call(cursor) !== '[object Date]' || typeof cursor.getTime !== 'function') throw new Error('not a Date');
  const spanDays = (cursor - start) / 86400000;
  console.log(`span ${spanDays.toFixed(6)} days, valueOf ${cursor.valueOf()}, before epoch ${beforeEpoch.toISOString()}`);
  console.log('ok');
}

setTimeout(step, 30);
