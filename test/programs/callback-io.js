// Callback calls of fs, zlib and crypto under way or about to start at a capture: each
// must run exactly once, its callback too, wherever the program is by then. The steps form
// one chain (each callback makes the next call), so at any cut point one is in flight; a
// ticking interval gives the harness's turn-counted cut points turns to count meanwhile.
'use strict';
const fs = require('fs');
const zlib = require('zlib');
const crypto = require('crypto');
const util = require('util');

const readFileP = util.promisify(fs.readFile);
const text = 'callback calls travel with the program. '.repeat(20);
const log = [];
let round = 0;
let ticks = 0;
const ticker = setInterval(() => ticks++, 1);

function step() {
  round++;
  fs.stat(__filename, (err, st) => {
    if (err) throw err;
    log.push(`stat:${st.isFile()}`);
    fs.readFile(__filename, 'utf8', (err2, src) => {
      if (err2) throw err2;
      log.push(`read:${src.includes('callback calls travel')}`);
      zlib.gzip(Buffer.from(text + round), (err3, packed) => {
        if (err3) throw err3;
        zlib.gunzip(packed, (err4, back) => {
          if (err4) throw err4;
          log.push(`zlib:${back.toString() === text + round}`);
          crypto.pbkdf2('secret' + round, 'salt', 20000, 16, 'sha256', (err5, key) => {
            if (err5) throw err5;
            log.push(`pbkdf2:${key.toString('hex').slice(0, 12)}`);
            readFileP(__filename, 'utf8').then((again) => {
              log.push(`promisified:${again.length > 100}`);
              console.log(`round ${round}: ${log.splice(0).join(' ')}`);
              if (round < 12) step();
              else finish();
            });
          });
        });
      });
    });
  });
}

function finish() {
  clearInterval(ticker);
  fs.access(__filename, (err) => {
    console.log(`access: ${err === null}`);
    console.log('ok');
  });
}

step();
