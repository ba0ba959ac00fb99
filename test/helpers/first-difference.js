// Describes where two outputs first differ, line by line, for readable test failures.
'use strict';

/**
 * @param {Buffer | string} expected
 * @param {Buffer | string} actual
 * @returns {string | null} null when both are byte-identical
 */
function firstDifference(expected, actual) {
  const a = Buffer.isBuffer(expected) ? expected : Buffer.from(expected);
  const b = Buffer.isBuffer(actual) ? actual : Buffer.from(actual);
  if (a.equals(b)) return null;
  const left = a.toString('utf8').split('\n');
  const right = b.toString('utf8').split('\n');
  let i = 0;
  while (i < left.length && i < right.length && left[i] === right[i]) i++;
  if (i === left.length && i === right.length) {
    return `outputs differ only in bytes that UTF-8 decoding hides (${a.length} vs ${b.length} bytes)`;
  }
  const show = (lines) => (i < lines.length ? JSON.stringify(lines[i]) : '<end of output>');
  const count = (lines) => lines.length - (lines[lines.length - 1] === '' ? 1 : 0);
  return [
    `first difference at line ${i + 1} (expected ${count(left)} lines, got ${count(right)})`,
    `  expected: ${show(left)}`,
    `  actual:   ${show(right)}`,
    i > 0 ? `  after:    ${JSON.stringify(left[i - 1])}` : '  (at the very first line)',
  ].join('\n');
}

/**
 * Checks that every line of `expected` appears in `actual` in the same order (other lines,
 * such as the tool's own messages, may be interleaved). Returns the first missing line or null.
 * @param {string} expected
 * @param {string} actual
 */
function missingLine(expected, actual) {
  const want = expected.split('\n').filter((line) => line !== '');
  const have = actual.split('\n');
  let j = 0;
  for (const line of want) {
    while (j < have.length && have[j] !== line) j++;
    if (j === have.length) return line;
    j++;
  }
  return null;
}

module.exports = { firstDifference, missingLine };
