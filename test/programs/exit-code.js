// A countdown that finishes by setting process.exitCode = 3: the last hop must exit with the same code.
'use strict';

let remaining = 8;
const seen = [];

function countdown(label) {
  seen.push(remaining);
  console.log(`${label} ${remaining}`);
  remaining--;
  if (remaining > 0) setTimeout(countdown, 50, remaining % 2 ? 'tock' : 'tick');
  else {
    if (seen.join() !== '8,7,6,5,4,3,2,1') throw new Error('countdown skipped a step');
    console.log('liftoff, exiting with code 3');
    console.log('ok');
    process.exitCode = 3;
  }
}

setTimeout(countdown, 50, 'tick');
