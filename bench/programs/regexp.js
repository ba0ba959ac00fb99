'use strict';
// A regular-expression workload over a synthetic web-server log: 2,500 generated lines are
// parsed with a capturing pattern, filtered with test(), rewritten with replace() (string
// and function replacements, named groups), tokenised with split() and a sticky lexer, and
// scanned with global exec()/matchAll() loops.
// Checksum: counts and sums gathered from the matches, and a hash of the rewritten text.
const { benchSync, rng, fnv } = require('./harness');

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'];
const PATHS = ['/api/users', '/api/orders', '/static/app.js', '/static/style.css', '/login', '/api/items/search', '/health'];
const AGENTS = ['Mozilla/5.0 (X11; Linux x86_64)', 'curl/8.1.2', 'Wget/1.21', 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1)', 'python-requests/2.31'];

function makeLog(random, n) {
  const lines = [];
  for (let i = 0; i < n; i++) {
    const ip = [10, Math.floor(random() * 256), Math.floor(random() * 256), Math.floor(random() * 256)].join('.');
    const day = 1 + Math.floor(random() * 28);
    const time = [Math.floor(random() * 24), Math.floor(random() * 60), Math.floor(random() * 60)].map((x) => String(x).padStart(2, '0')).join(':');
    const method = METHODS[Math.floor(random() * METHODS.length)];
    let path = PATHS[Math.floor(random() * PATHS.length)];
    if (random() < 0.5) path += '/' + Math.floor(random() * 10000);
    if (random() < 0.3) path += '?q=' + Math.floor(random() * 1e6).toString(36) + '&page=' + Math.floor(random() * 20);
    const status = [200, 200, 200, 201, 204, 301, 304, 400, 401, 404, 500, 503][Math.floor(random() * 12)];
    const size = Math.floor(random() * 50000);
    const agent = AGENTS[Math.floor(random() * AGENTS.length)];
    const email = random() < 0.1 ? ` user=${Math.floor(random() * 1000).toString(36)}.x@example${Math.floor(random() * 5)}.org` : '';
    lines.push(`${ip} - - [${String(day).padStart(2, '0')}/Mar/2024:${time} +0000] "${method} ${path} HTTP/1.1" ${status} ${size} "${agent}"${email}`);
  }
  return lines;
}

const LINE = /^(\d{1,3}(?:\.\d{1,3}){3}) - - \[(\d{2})\/(\w{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-]\d{4})\] "(\w+) ([^ "]+) HTTP\/1\.[01]" (\d{3}) (\d+) "([^"]*)"/;
const API = /^\/api\/(?<resource>[a-z]+)(?:\/(?<id>\d+))?/;
const EMAIL = /\b[\w.+-]+@[\w-]+\.(?:org|com|net)\b/g;
const QUERY = /[?&]([^=&]+)=([^&]*)/g;
const ERROR = /" (?:4\d\d|5\d\d) /;
const BROWSER = /Mozilla\/5\.0 \((?:X11|Macintosh)[^)]*\)/i;
const TOKEN = /\s*(?:(\d+(?:\.\d+)?)|([A-Za-z_][\w-]*)|("[^"]*")|([[\]():/?&=.+-]))/y;

function workload() {
  const random = rng(777);
  const lines = makeLog(random, 2500);
  const byStatus = new Map();
  const resources = new Map();
  let bytes = 0;
  let errors = 0;
  let browsers = 0;
  let params = 0;
  let emails = 0;
  let tokens = 0;
  const rewritten = [];
  for (const line of lines) {
    const m = LINE.exec(line);
    if (m === null) throw new Error('unparsed line: ' + line);
    bytes += Number(m[12]);
    byStatus.set(m[11], (byStatus.get(m[11]) || 0) + 1);
    if (ERROR.test(line)) errors++;
    if (BROWSER.test(m[13])) browsers++;
    const api = API.exec(m[10]);
    if (api !== null) {
      const key = api.groups.resource + (api.groups.id ? ':id' : '');
      resources.set(key, (resources.get(key) || 0) + 1);
    }
    for (const q of m[10].matchAll(QUERY)) params += q[1].length + q[2].length;
    EMAIL.lastIndex = 0;
    let e;
    while ((e = EMAIL.exec(line)) !== null) emails += e[0].length;
    // Anonymise: mask the last two octets and any e-mail, and normalise numeric path parts.
    rewritten.push(
      line
        .replace(/^(\d+\.\d+)\.\d+\.\d+/, '$1.x.x')
        .replace(EMAIL, (s) => s[0] + '***@' + s.split('@')[1])
        .replace(/\/(\d+)(?=[ ?/])/g, (s, d) => '/{' + (d.length > 3 ? 'long' : 'short') + '}'),
    );
    TOKEN.lastIndex = 0;
    const request = m[9] + ' ' + m[10];
    while (TOKEN.lastIndex < request.length) {
      const t = TOKEN.exec(request);
      if (t === null) break;
      tokens++;
    }
  }
  const fields = rewritten.join('\n').split(/\s+/).length;
  const statusList = [...byStatus].sort().map(([k, v]) => k + '=' + v).join(',');
  const resourceList = [...resources].sort().map(([k, v]) => k + '=' + v).join(',');
  return [bytes, errors, browsers, params, emails, tokens, fields, fnv(statusList + resourceList), fnv(rewritten.join('\n'))].join('/');
}

benchSync('regexp', '63538727/997/990/8078/4326/22155/32258/d3982505/4de2bf7a', workload);
