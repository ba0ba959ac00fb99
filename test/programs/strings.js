// Strings with any characters (quotes, backslashes, newlines, unicode, lone surrogates, NUL, emoji) held across turns.
'use strict';

// Built from code, so a value restored from a snapshot can be compared with a freshly made one.
function expected() {
  return [
    '',
    'it\'s "quoted" `tick`',
    'back\\slash \\n not a newline \\u0041',
    'line1\nline2\r\nline3\ttabbed',
    'caf\u00e9 \u4e2d\u6587 \u0928\u092e\u0938\u094d\u0924\u0947 \u0645\u0631\u062d\u0628\u0627',
    'lone high \ud800 here',
    'lone low \udc00 here',
    'reversed pair \udc00\ud800',
    'nul\u0000inside\u0000',
    '\u0001\u001b[31mcontrol\u007f\u0085',
    'emoji \ud83d\ude00 family \ud83d\udc69\u200d\ud83d\udc69\u200d\ud83d\udc67 flag \ud83c\uddef\ud83c\uddf5',
    'separators \u2028 and \u2029',
    'bom \ufeff and nonchar \uffff',
    '</script><!-- ${not.a.template} %s %d -->',
    '{"json":"inside","n":[1,2]}',
    'x'.repeat(5000) + '\ud83d',
  ];
}

const strings = expected();
const byKey = {};
strings.forEach((s, i) => {
  byKey['k' + i] = s;
});
const joined = strings.join('\u0000|\u0000');
let remembered = strings[5] + strings[10]; // a closure-held concatenation

function codeUnits(s) {
  let sum = 0;
  for (let i = 0; i < s.length; i++) sum = (sum * 31 + s.charCodeAt(i)) >>> 0;
  return sum.toString(16);
}

let index = 0;
function show() {
  const s = strings[index];
  const shown = s.length > 80 ? s.slice(0, 20) + '…' : s;
  console.log(`#${index} len=${s.length} hash=${codeUnits(s)} json=${JSON.stringify(shown)}`);
  console.log(shown); // raw bytes on stdout, NUL and lone surrogates included
  console.log([shown]); // util.inspect's quoting and escaping
  index++;
  if (index < strings.length) setTimeout(show, 30);
  else finish();
}

function finish() {
  const fresh = expected();
  fresh.forEach((s, i) => {
    if (strings[i] !== s) throw new Error(`string ${i} changed`);
    if (byKey['k' + i] !== s) throw new Error(`object value ${i} changed`);
  });
  if (joined.split('\u0000|\u0000').join() !== fresh.join()) throw new Error('joined string changed');
  if (remembered !== fresh[5] + fresh[10]) throw new Error('closure string changed');
  if ('\ud83d\ude00'.codePointAt(0) !== 0x1f600) throw new Error('surrogate pair broken');
  console.log('ok');
}

setTimeout(show, 30);
