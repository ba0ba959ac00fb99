// semver in ordinary use across turns: a dependency resolver keeping Range objects and SemVer instances, bumping versions
// with inc(), checking satisfies/maxSatisfying/intersects as releases arrive.
'use strict';

const semver = require('semver');

const ranges = { api: new semver.Range('^2.3.0'), ui: new semver.Range('~1.4.2 || >=3.0.0-beta.1 <3.1.0'), cli: new semver.Range('>=0.9.0 <2') };
const published = ['0.9.0', '1.4.2', '2.3.0'].map((v) => new semver.SemVer(v));
let current = new semver.SemVer('2.3.0');
const kinds = ['patch', 'minor', 'patch', 'prerelease', 'prerelease', 'major', 'patch', 'premajor', 'prerelease', 'major', 'minor', 'patch'];
let turn = 0;

function step() {
  turn++;
  const kind = kinds[turn - 1];
  current = new semver.SemVer(semver.inc(current, kind, 'beta'));
  published.push(current);
  const best = Object.fromEntries(Object.entries(ranges).map(([k, r]) => [k, String(semver.maxSatisfying(published, r, { includePrerelease: false }))]));
  console.log(`turn ${turn}: ${kind} -> ${current.version} pre=${JSON.stringify(current.prerelease)} best=${JSON.stringify(best)} ui-ok=${semver.satisfies(current, ranges.ui)}`);
  if (turn < kinds.length) setTimeout(step, 35);
  else finish();
}

function finish() {
  const sorted = semver.rsort(published.map(String));
  if (sorted[0] !== current.version || !(published[3] instanceof semver.SemVer)) throw new Error('versions lost');
  if (!semver.intersects(ranges.api.raw, '>=2.3.5') || ranges.cli.test('2.0.0')) throw new Error('ranges lost');
  console.log(`published ${published.length}: ${sorted.slice(0, 5).join(' ')} | api range ${ranges.api.range}`);
  console.log('ok');
}

setTimeout(step, 35);
