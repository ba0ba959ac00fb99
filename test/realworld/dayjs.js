// dayjs in ordinary use across turns: a UTC date stepped by plugin-powered durations, a schedule of recurring events,
// formatting with advancedFormat/isoWeek plugins, diff and isBefore/isAfter comparisons of kept instances.
'use strict';

const dayjs = require('dayjs');
const utc = require('dayjs/plugin/utc');
const isoWeek = require('dayjs/plugin/isoWeek');
const advancedFormat = require('dayjs/plugin/advancedFormat');
const duration = require('dayjs/plugin/duration');
dayjs.extend(utc);
dayjs.extend(isoWeek);
dayjs.extend(advancedFormat);
dayjs.extend(duration);

const start = dayjs.utc('2024-02-27T22:30:00Z');
let cursor = start;
const schedule = [];
const step = dayjs.duration({ days: 1, hours: 7, minutes: 45 });
let turn = 0;

function tick() {
  turn++;
  cursor = cursor.add(step);
  if (turn % 4 === 0) cursor = cursor.add(1, 'month').startOf('day');
  schedule.push(cursor);
  const prev = schedule[schedule.length - 2] || start;
  console.log(`turn ${turn}: ${cursor.format('YYYY-MM-DD HH:mm ddd')} Q${cursor.format('Q')} wk${cursor.isoWeek()} ${cursor.format('Do MMM')} +${cursor.diff(prev, 'minute')}min since start ${cursor.diff(start, 'day', true).toFixed(3)}d`);
  if (turn < 14) setTimeout(tick, 30);
  else finish();
}

function finish() {
  if (!schedule.every((d, i) => i === 0 || d.isAfter(schedule[i - 1]))) throw new Error('schedule order lost');
  if (!dayjs.isDayjs(cursor) || !cursor.isUTC() || start.toISOString() !== '2024-02-27T22:30:00.000Z') throw new Error('instances lost');
  if (step.asHours() !== 31.75) throw new Error('duration lost');
  console.log(`final ${cursor.toISOString()} unix ${cursor.unix()} endOfMonth ${cursor.endOf('month').format('YYYY-MM-DD')}`);
  console.log('ok');
}

setTimeout(tick, 30);
