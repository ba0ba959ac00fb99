// ES modules: live bindings, default and namespace imports, export * and re-exports, circular
// imports, import.meta.url and a dynamic import() in a later turn.
import tally, { value, bump, label as name } from './counter.mjs';
import * as shapes from './shapes.mjs';
import { area, PI2 as TAU } from './shapes.mjs';
import { isEven } from './parity.mjs';
import { isOdd } from './parity-odd.mjs';
import './banner.mjs';

const seen = [];
let late = null;
let step = 0;

function turn() {
  step++;
  bump(step);
  seen.push(value);
  const shape = step % 2 ? shapes.square(step) : shapes.circle(step);
  console.log(`step ${step}: value=${value} tally=${tally()} ${name} ${shape.kind} area=${area(shape).toFixed(2)} even=${isEven(step)} odd=${isOdd(step)}`);
  if (step === 4) {
    import('./late.mjs').then((m) => {
      late = m;
      console.log(`late loaded: ${m.default('x')} (${m.describe()})`);
      setTimeout(turn, 2);
    });
    return;
  }
  if (late) console.log(`late: ${late.default(step)}`);
  if (step < 10) setTimeout(turn, 2);
  else {
    console.log(`seen ${seen.join(',')} tau=${TAU.toFixed(4)} shapes=${Object.keys(shapes).join(',')}`);
    console.log(`url ends with main.mjs: ${import.meta.url.endsWith('/main.mjs')}, file url: ${import.meta.url.startsWith('file://')}`);
    console.log('ok');
  }
}
setTimeout(turn, 1);
