// A text-statistics pipeline (generate -> tokenize -> count -> report) processing one chunk per setImmediate.
'use strict';

const VOCABULARY = ('the quick brown fox jumps over lazy dog migrate device state closure timer snapshot restore ' +
  'constructor prototype toString valueOf hasOwnProperty café naïve résumé 東京 données über a an of to in').split(' ');
const LINES = 16000;
const CHUNK = 200;

// A small deterministic generator (no Math.random: the output must be reproducible).
function makeRandom(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

const pipeline = {
  random: makeRandom(20240607),
  lines: [],
  tokens: 0,
  freq: Object.create(null), // words such as "constructor" must not hit Object.prototype
  longestLine: { length: 0, index: -1 },
  letters: 0,
  chunksDone: 0,
};

function generate(from) {
  for (let i = from; i < Math.min(from + CHUNK, LINES); i++) {
    const words = [];
    const n = 3 + Math.floor(pipeline.random() * 12);
    for (let w = 0; w < n; w++) words.push(VOCABULARY[Math.floor(pipeline.random() * VOCABULARY.length)]);
    pipeline.lines.push(words.join(i % 7 === 0 ? '  ' : ' ') + (i % 5 === 0 ? '.' : ''));
  }
  if (from + CHUNK < LINES) setImmediate(generate, from + CHUNK);
  else {
    console.log(`generated ${pipeline.lines.length} lines`);
    setImmediate(count, 0);
  }
}

function count(from) {
  const end = Math.min(from + CHUNK, LINES);
  for (let i = from; i < end; i++) {
    const line = pipeline.lines[i];
    if (line.length > pipeline.longestLine.length) pipeline.longestLine = { length: line.length, index: i };
    for (const word of line.split(/[\s.]+/)) {
      if (!word) continue;
      pipeline.tokens++;
      pipeline.letters += [...word].length;
      pipeline.freq[word] = (pipeline.freq[word] || 0) + 1;
    }
  }
  pipeline.chunksDone++;
  if (pipeline.chunksDone % 10 === 0) console.log(`counted ${end} lines: ${pipeline.tokens} tokens, ${Object.keys(pipeline.freq).length} distinct`);
  if (end < LINES) setImmediate(count, end);
  else setImmediate(report);
}

function report() {
  const top = Object.keys(pipeline.freq)
    .sort((a, b) => pipeline.freq[b] - pipeline.freq[a] || (a < b ? -1 : 1))
    .slice(0, 8);
  console.log('top words: ' + top.map((w) => `${w}=${pipeline.freq[w]}`).join(', '));
  console.log(`longest line #${pipeline.longestLine.index} (${pipeline.longestLine.length} chars): ${pipeline.lines[pipeline.longestLine.index]}`);
  console.log(`average word length ${(pipeline.letters / pipeline.tokens).toFixed(4)}`);
  let sum = 0;
  for (const w in pipeline.freq) sum += pipeline.freq[w];
  if (sum !== pipeline.tokens) throw new Error('frequencies do not add up');
  if (pipeline.freq.constructor === undefined || typeof pipeline.freq.constructor !== 'number') throw new Error('constructor word miscounted');
  console.log('ok');
}

setImmediate(generate, 0);
