// marked in ordinary use across turns: a Marked instance with a custom renderer extension renders a growing document
// chunk by chunk; the lexer's tokens of each section are kept and re-rendered with the parser.
'use strict';

const { Marked } = require('marked');

const headings = [];
const md = new Marked({
  gfm: true,
  renderer: {
    heading(text, depth) {
      headings.push(`${depth}:${text}`);
      return `<h${depth} id="${text.toLowerCase().replace(/[^a-z0-9]+/g, '-')}">${text}</h${depth}>\n`;
    },
  },
});
const sections = [
  '# Release notes',
  'Version **2.0** brings _migration_.',
  '## Features\n\n- live migration\n- snapshots\n- `thingsctl` tools',
  '| col | value |\n|-----|-------|\n| a   | 1     |\n| b   | 2     |',
  '## Fixes\n\n1. timers\n2. promises',
  '> Quoted note with a [link](https://example.com).',
  '```js\nconst x = 1;\n```',
  '### Thanks\n\nTo *everyone*.',
];
let document = '';
const tokenLists = [];
let turn = 0;

function step() {
  turn++;
  const chunk = sections[(turn - 1) % sections.length];
  document += `${chunk}\n\n`;
  tokenLists.push(md.lexer(chunk));
  const html = md.parse(document);
  console.log(`turn ${turn}: ${document.length} chars -> ${html.length} html chars, tokens ${tokenLists[tokenLists.length - 1].map((t) => t.type).join('+')}`);
  if (turn < 12) setTimeout(step, 30);
  else finish();
}

function finish() {
  const again = tokenLists.map((tokens) => md.parser(tokens)).join('');
  if (!again.includes('<table>') || !again.includes('<h2 id="features">Features</h2>')) throw new Error('rendering lost');
  if (headings.length < 10) throw new Error('renderer extension lost');
  console.log(again);
  console.log('ok');
}

setTimeout(step, 30);
