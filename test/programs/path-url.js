// path and url used the ordinary way across turns: a URL object and URLSearchParams mutated turn by turn (a paginating
// crawler frontier), path.posix joins/normalization/relative of a virtual file tree, url.parse/format, fileURLToPath.
'use strict';

const path = require('path');
const url = require('url');
const { URL, URLSearchParams } = require('url');

const base = new URL('https://example.com:8443/api/v2/items?sort=name&page=1#top');
const frontier = [new URL('/docs/intro?lang=en', base), new URL('../v1/legacy', base)];
const seen = new Set();
const params = new URLSearchParams({ q: 'caf\u00e9 & cr\u00e8me', tags: 'a,b' });
params.append('tags', 'c');
const tree = ['/srv/app', 'src', 'lib', '..', 'index.js'];
const files = [];
let turn = 0;

function step() {
  turn++;
  base.searchParams.set('page', String(turn + 1));
  if (turn % 3 === 0) base.searchParams.append('seen', String(turn));
  if (turn === 4) base.hash = 'section-4';
  if (turn === 6) base.pathname = '/api/v3/items';
  if (turn === 8) base.username = 'user name';
  const next = frontier.shift();
  seen.add(next.href);
  frontier.push(new URL(`./page-${turn}.html?from=${encodeURIComponent(next.pathname)}`, next));
  params.set('page', turn);
  params.sort();
  const file = path.posix.join(...tree, '..', `part-${turn}`, turn % 2 ? '.' : 'sub/..', `f${turn}.txt`);
  files.push(file);
  console.log(`turn ${turn}: ${base.href} | next ${next.pathname}${next.search} | ${params.toString()} | ${file} rel=${path.posix.relative('/srv/app/lib', file)}`);
  if (turn < 12) setTimeout(step, 30);
  else finish();
}

function finish() {
  if (!(base instanceof URL) || base.port !== '8443' || base.searchParams.getAll('seen').join() !== '3,6,9,12') throw new Error('URL state lost');
  if (base.username !== 'user%20name' || base.origin !== 'https://example.com:8443') throw new Error('URL parts lost');
  if (params.get('q') !== 'caf\u00e9 & cr\u00e8me' || params.getAll('tags').join('|') !== 'a,b|c') throw new Error('params lost');
  if (seen.size !== 12 || frontier.length !== 2) throw new Error('frontier lost');
  const legacy = url.parse('http://a.example/x/y?z=1#h', true);
  if (legacy.query.z !== '1' || url.format(legacy) !== 'http://a.example/x/y?z=1#h') throw new Error('legacy url api broken');
  if (url.fileURLToPath('file:///srv/app/index.js') !== '/srv/app/index.js' || url.pathToFileURL('/tmp/a b').href !== 'file:///tmp/a%20b') throw new Error('file urls broken');
  const p = path.posix.parse(files[11]);
  console.log(`parsed ${JSON.stringify(p)} ext=${path.posix.extname(files[0])} norm=${path.posix.normalize('/a//b/../c/./d')} sep=${path.posix.sep}`);
  console.log(`frontier ${frontier.map((u) => u.href).join(' ')}`);
  console.log('ok');
}

setTimeout(step, 30);
