// Copies of bench/state/state-program.js with its constants set, in a temporary folder.
import fs from 'node:fs';
import path from 'node:path';

export const SIZES = [
  { label: '10 KB', bytes: 10000 },
  { label: '1 MB', bytes: 1000000 },
  { label: '10 MB', bytes: 10000000 },
];

export function stateProgram(root, dir, { bytes, printTicks, stopAfterMs }) {
  let text = fs.readFileSync(path.join(root, 'bench', 'state', 'state-program.js'), 'utf8');
  const set = (name, value) => {
    const re = new RegExp(`^const ${name} = .*;$`, 'm');
    if (!re.test(text)) throw new Error(`state-program.js has no constant ${name}`);
    text = text.replace(re, `const ${name} = ${value};`);
  };
  set('STATE_BYTES', bytes);
  set('PRINT_TICKS', printTicks);
  set('STOP_AFTER_MS', stopAfterMs);
  const file = path.join(dir, `state-${bytes}${printTicks ? '-ticks' : ''}.js`);
  fs.writeFileSync(file, text);
  return file;
}

/** READY <bytes> <hash> <buildMs> <time> */
export const READY = /^READY (\d+) (\w+) ([\d.]+) ([\d.]+)$/;
/** R <time> <lastBefore> <uptime> */
export const RESUMED = /^R ([\d.]+) ([\d.]+) ([\d.]+)$/;
