// date-fns in ordinary use across turns: business-day stepping of a deadline, interval overlap checks, eachDayOfInterval,
// formatting and parsing with fixed patterns; plain Date objects kept in state.
'use strict';

const { addBusinessDays, addHours, differenceInCalendarDays, eachDayOfInterval, format, formatISO, isWeekend, areIntervalsOverlapping, parse, startOfWeek, max } = require('date-fns');

// Dates are built from UTC instants; date-fns works in the local time zone, which the native and migrated runs share.
const base = new Date(Date.UTC(2024, 11, 20, 12, 0, 0));
let deadline = base;
const meetings = [];
const parsed = parse('2025-01-03 09:30', 'yyyy-MM-dd HH:mm', new Date(0));
let turn = 0;

function step() {
  turn++;
  deadline = addBusinessDays(deadline, turn % 3 === 0 ? 2 : 1);
  const meeting = { start: addHours(deadline, turn % 5), end: addHours(deadline, (turn % 5) + 2) };
  const clashes = meetings.filter((m) => areIntervalsOverlapping(m, meeting)).length;
  meetings.push(meeting);
  const days = eachDayOfInterval({ start: base, end: deadline });
  console.log(`turn ${turn}: deadline ${formatISO(deadline, { representation: 'date' })} weekend=${isWeekend(deadline)} span=${differenceInCalendarDays(deadline, base)}d weekdays=${days.filter((d) => !isWeekend(d)).length} clashes=${clashes} fmt=${format(deadline, 'EEE do MMM yyyy')}`);
  if (turn < 14) setTimeout(step, 30);
  else finish();
}

function finish() {
  if (meetings.length !== 14 || !(meetings[0].start instanceof Date)) throw new Error('meetings lost');
  if (max(meetings.map((m) => m.end)).getTime() !== meetings[13].end.getTime()) throw new Error('max wrong');
  if (format(parsed, 'yyyy-MM-dd HH:mm') !== '2025-01-03 09:30') throw new Error('parse wrong');
  console.log(`week of deadline starts ${format(startOfWeek(deadline, { weekStartsOn: 1 }), 'yyyy-MM-dd')}; base ${base.toISOString()}`);
  console.log('ok');
}

setTimeout(step, 30);
