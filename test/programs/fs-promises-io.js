// fs.promises and require('fs/promises') calls awaited across captures: each one runs once
// and its promise settles wherever the program is by then (the program holds a runtime
// promise; a call made while it is paused waits in the snapshot). A ticking interval gives
// the harness's turn-counted cut points turns to count while the calls go on.
'use strict';
const fs = require('fs');
const fsp = require('fs/promises');
const os = require('os');
const path = require('path');

const file = path.join(os.tmpdir(), `fs-promises-io-${process.pid}-${Date.now()}.txt`);

let ticks = 0;
const ticker = setInterval(() => ticks++, 1);

async function main() {
  const seen = [];
  for (let round = 1; round <= 60; round++) {
    await fs.promises.writeFile(file, `round ${round}\n`.repeat(round));
    const text = await fsp.readFile(file, 'utf8');
    const st = await fs.promises.stat(file);
    await fsp.appendFile(file, 'tail');
    const again = await fs.promises.readFile(file, 'utf8');
    seen.push(round);
    console.log(`round ${round}: lines=${text.trim().split('\n').length} size=${st.size} tail=${again.endsWith('tail')}`);
  }
  let missing = false;
  try {
    await fsp.readFile(file + '.missing');
  } catch (err) {
    missing = err.code === 'ENOENT';
  }
  await fsp.unlink(file);
  clearInterval(ticker);
  console.log(`rounds ${seen.join(',')}; missing file rejects: ${missing}`);
  console.log('ok');
}

main();
