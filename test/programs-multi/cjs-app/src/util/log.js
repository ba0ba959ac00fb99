'use strict';
let lines = 0;
const seen = new Set();

exports.createLogger = (prefix) => {
  seen.add(prefix);
  return (msg) => {
    lines++;
    console.log(`[${prefix} ${String(lines).padStart(3, '0')}] ${msg}`);
  };
};
exports.lines = () => lines;
exports.prefixes = () => [...seen];
