// RegExp objects across turns: global/sticky scanning that resumes from lastIndex after a cut, every flag (g i m s u y d),
// named groups, unicode, a regex with own properties, source with slashes and escapes.
'use strict';

const text = 'alpha=1; Beta=22;\ngamma=333; DELTA=4444;\n\u00e9psilon=5; zeta=66; \u{1F600}=7;';
const scanner = /(?<key>[\p{L}\p{Emoji_Presentation}]+)=(?<value>\d+)/gu; // lastIndex carries the scan position, wraps to 0 at the end
const sticky = /\s*(\w+|[=;\n])/y;
const flagsAll = /^g.+?;$/dgimsu;
const withSlash = new RegExp('a/b\\/c[/]\\d{2,}', 'i');
withSlash.note = 'own property';
const lines = /^(\w+)=/gm;
const found = [];
const tokens = [];
let turn = 0;

function step() {
  turn++;
  const m = scanner.exec(text); // one match per turn; position kept in lastIndex
  if (m) found.push(`${m.groups.key}:${m.groups.value}@${m.index}`);
  for (let i = 0; i < 4; i++) {
    const t = sticky.exec(text);
    if (!t) {
      sticky.lastIndex = 0;
      break;
    }
    tokens.push(t[1] === '\n' ? '\\n' : t[1]);
  }
  const l = lines.exec(text);
  console.log(`turn ${turn}: scanner.lastIndex=${scanner.lastIndex} found=${m ? found[found.length - 1] : '-'} sticky.lastIndex=${sticky.lastIndex} lines=${l ? l[1] + '@' + lines.lastIndex : 'end'}`);
  if (turn < 16) setTimeout(step, 30);
  else finish();
}

function finish() {
  if (found.length !== 14 || found[6] !== '\u{1F600}:7@61' || found[13] !== found[6] || scanner.lastIndex !== 0) throw new Error('scan wrong: ' + found.join(' '));
  if (scanner.flags !== 'gu' || sticky.flags !== 'y' || flagsAll.flags !== 'dgimsu' || !flagsAll.hasIndices || !flagsAll.dotAll) throw new Error('flags lost');
  const d = flagsAll.exec(text);
  if (!d || d.indices[0][0] !== 18 || d.indices[0][1] !== 40 || flagsAll.lastIndex !== 40) throw new Error('d flag result wrong: ' + (d && d.indices[0]));
  if (withSlash.source !== 'a\\/b\\/c[/]\\d{2,}' || !withSlash.test('A/B/C/123') || withSlash.note !== 'own property') throw new Error('source or props lost');
  if (!(scanner instanceof RegExp) || Object.prototype.toString.call(sticky) !== '[object RegExp]') throw new Error('not a RegExp');
  if ('x'.replace(/x/, '$&$&') !== 'xx' || 'a-b'.split(/-/).length !== 2) throw new Error('regexp builtins broken');
  console.log(`tokens ${tokens.join(' ')}`);
  console.log(`found ${found.join(' ')}`);
  console.log('ok');
}

setTimeout(step, 30);
