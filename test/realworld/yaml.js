// yaml in ordinary use across turns: a parsed YAML Document (with comments) edited in place each turn through the
// Document API, re-stringified; anchors/aliases and plain-object parse/stringify round trips.
'use strict';

const YAML = require('yaml');

const source = `# service configuration
service:
  name: inventory # the public name
  replicas: 2
  ports: [8080, 8443]
defaults: &defaults
  timeout: 30
  retries: 3
jobs:
  - name: sync
    <<: *defaults
  - name: report
    timeout: 120
`;
const doc = YAML.parseDocument(source, { merge: true });
const outputs = [];
let turn = 0;

function step() {
  turn++;
  doc.setIn(['service', 'replicas'], 2 + turn);
  if (turn % 3 === 0) doc.addIn(['service', 'ports'], 9000 + turn);
  if (turn === 5) doc.setIn(['jobs', 1, 'enabled'], false);
  if (turn === 8) doc.deleteIn(['service', 'ports', 0]);
  const text = doc.toString();
  outputs.push(text);
  const plain = doc.toJS();
  console.log(`turn ${turn}: replicas=${plain.service.replicas} ports=${plain.service.ports.join(',')} sync.timeout=${plain.jobs[0].timeout} lines=${text.split('\n').length} comment-kept=${text.includes('# the public name')}`);
  if (turn < 12) setTimeout(step, 30);
  else finish();
}

function finish() {
  const final = outputs[outputs.length - 1];
  if (!final.startsWith('# service configuration') || !YAML.isDocument(doc) || doc.errors.length) throw new Error('document lost');
  const again = YAML.parse(YAML.stringify({ list: [1, 'two', { three: null }], s: 'multi\nline' }));
  if (again.s !== 'multi\nline' || again.list[2].three !== null) throw new Error('round trip wrong');
  console.log(final);
  console.log('ok');
}

setTimeout(step, 30);
