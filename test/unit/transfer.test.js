'use strict';
// The chunks of a migration package (agent/protocol/transfer.ts): cut below a message size,
// each checked, kept once, reassembled only whole and matching its hash; a transfer can
// resume from what the target holds.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { OutgoingTransfer, IncomingTransfer, chunkSizeFor, packageText, packageParts, parsePackageText, parseRequest, sealSnapshot, sealBodyText, sealBodyBytes, SEAL_HEAD_BYTES, SEAL_TAIL_BYTES, openSnapshot, checkSnapshot } = require(path.join(__dirname, '..', '..', 'dist', 'lib.js'));

const text = JSON.stringify({ snapshot: 'é'.repeat(5000) + 'x'.repeat(30001), log: ['line ✓'] });

function begin(out) {
  return { migrationId: 'abcdefgh', source: 'a', size: out.size, sha256: out.sha256, chunks: out.chunks, chunkSize: out.chunkSize };
}

test('chunks fit in a message of max_packet_size, base64 and envelope included', () => {
  for (const max of [4096, 16384, 262144]) {
    const size = chunkSizeFor(max);
    assert.ok(Math.ceil(size / 3) * 4 + 1024 <= max, `${size} bytes of data in ${max}`);
  }
});

test('reassembles out of order, keeps a repeated chunk once, and matches the whole', () => {
  const out = new OutgoingTransfer(text, chunkSizeFor(4096));
  assert.ok(out.chunks > 5);
  const inc = new IncomingTransfer(begin(out));
  const order = [...Array(out.chunks).keys()].reverse();
  for (const i of order) {
    const c = out.chunk(i);
    inc.add(i, c.data, c.sha256);
    inc.add(i, c.data, c.sha256);
  }
  assert.deepEqual(inc.missing(), []);
  assert.equal(inc.assemble({ size: out.size, sha256: out.sha256 }).toString('utf8'), text);
});

test('a damaged chunk is refused; a transfer missing chunks says which; a resume sends only those', () => {
  const out = new OutgoingTransfer(text, chunkSizeFor(4096));
  const inc = new IncomingTransfer(begin(out));
  const c0 = out.chunk(0);
  const flipped = Buffer.from(c0.data, 'base64');
  flipped[3] ^= 1;
  assert.throws(() => inc.add(0, flipped.toString('base64'), c0.sha256), { code: 'E_BAD_REQUEST', message: /does not match its sha256/ });
  assert.throws(() => inc.add(out.chunks, c0.data, c0.sha256), { code: 'E_BAD_REQUEST' });
  for (let i = 0; i < out.chunks; i += 2) inc.add(i, out.chunk(i).data, out.chunk(i).sha256);
  assert.throws(() => inc.assemble({ size: out.size, sha256: out.sha256 }), (err) => err.code === 'E_TRANSFER_INCOMPLETE' && err.details.missing[0] === 1);
  // What a prepare-begin sent again answers: the chunks already here.
  const have = new Set(inc.received);
  for (let i = 0; i < out.chunks; i++) if (!have.has(i)) inc.add(i, out.chunk(i).data, out.chunk(i).sha256);
  assert.equal(inc.assemble({ size: out.size, sha256: out.sha256 }).toString('utf8'), text);
  assert.throws(() => inc.assemble({ size: out.size, sha256: '0'.repeat(64) }), { code: 'E_BAD_REQUEST' });
});

test('the binary format: a header line and the snapshot as it is, raw chunks within a message', () => {
  const pkg = { snapshot: '{"a":"line\\nbreak \\"quoted\\" é ✓"}\n' + 'x'.repeat(20000), log: ['line ✓'] };
  const framed = packageText(pkg, 'binary');
  // The snapshot is not escaped: its bytes are in the package as they are.
  assert.ok(framed.endsWith(pkg.snapshot));
  assert.deepEqual(parsePackageText(framed, 'binary'), pkg);
  assert.deepEqual(parsePackageText(packageText(pkg, 'json'), 'json'), pkg);
  assert.throws(() => parsePackageText('{"log":[]', 'binary'), { code: 'E_BAD_REQUEST', message: /header line/ });
  for (const max of [4096, 262144]) assert.ok(chunkSizeFor(max, 'binary') + 1024 <= max);

  const out = new OutgoingTransfer(framed, chunkSizeFor(4096, 'binary'));
  const inc = new IncomingTransfer({ ...begin(out), format: 'binary' });
  const damaged = Buffer.from(out.chunk(1, true).data);
  damaged[0] ^= 1;
  assert.throws(() => inc.add(1, damaged, out.chunk(1, true).sha256), { code: 'E_BAD_REQUEST', message: /sha256/ });
  for (let i = out.chunks - 1; i >= 0; i--) {
    const c = out.chunk(i, true);
    assert.ok(Buffer.isBuffer(c.data));
    inc.add(i, c.data, c.sha256);
  }
  // Reassembled as bytes, the snapshot comes out as its bytes (the agent keeps them so).
  const parsed = parsePackageText(inc.assemble({ size: out.size, sha256: out.sha256 }), 'binary');
  assert.ok(Buffer.isBuffer(parsed.snapshot));
  assert.deepEqual({ ...parsed, snapshot: parsed.snapshot.toString('utf8') }, pkg);
});

test('a snapshot held as bytes: sealed in place, packaged without a copy, sent and named as its text is', () => {
  const bodyText = JSON.stringify({ heap: ['é✓'.repeat(2000), 'x'.repeat(30000)], n: [1, 2, 3] });
  const body = Buffer.from(bodyText, 'utf8');
  const room = Buffer.alloc(SEAL_HEAD_BYTES + body.length + SEAL_TAIL_BYTES, 0x20);
  body.copy(room, SEAL_HEAD_BYTES);
  const sealed = sealBodyBytes(room);
  // The same bytes as the text sealed; checked and opened as bytes.
  assert.equal(sealed.toString('utf8'), sealBodyText(bodyText));
  assert.equal(checkSnapshot(sealed).hash, openSnapshot(sealBodyText(bodyText)).hash);
  assert.deepEqual(openSnapshot(sealed).body, JSON.parse(bodyText));
  const broken = Buffer.from(sealed);
  broken[SEAL_HEAD_BYTES + 5] ^= 1;
  assert.throws(() => checkSnapshot(broken), { code: 'E_SNAPSHOT_CORRUPT', message: /content hash/ });
  assert.throws(() => checkSnapshot(sealed.subarray(0, sealed.length - 2)), { code: 'E_SNAPSHOT_CORRUPT', message: /truncated/ });

  const pkg = { snapshot: sealed, log: ['line ✓'] };
  const parts = packageParts(pkg, 'binary');
  assert.equal(parts.length, 2);
  assert.equal(parts[1], sealed, 'the snapshot part is the snapshot itself, not a copy');
  const asText = packageText({ ...pkg, snapshot: sealed.toString('utf8') }, 'binary');
  const size = chunkSizeFor(4096, 'binary');
  for (const digest of ['whole', 'chunks', 'chunks-late']) {
    const fromParts = new OutgoingTransfer(parts, size, digest);
    const fromText = new OutgoingTransfer(asText, size, digest);
    assert.equal(fromParts.size, Buffer.byteLength(asText));
    assert.equal(fromParts.digest, digest);
    assert.equal(fromParts.beginSha256, fromText.beginSha256);
    // Every chunk, the one across the parts' boundary included, is the text's.
    for (let i = 0; i < fromParts.chunks; i++) assert.deepEqual(fromParts.chunk(i, true), fromText.chunk(i, true));
    assert.equal(fromParts.sha256, fromText.sha256);
    const inc = new IncomingTransfer({ ...begin(fromParts), sha256: fromParts.beginSha256, format: 'binary', digest });
    for (let i = 0; i < fromParts.chunks; i++) inc.add(i, fromParts.chunk(i, true).data, fromParts.chunk(i, true).sha256);
    const back = parsePackageText(inc.assemble({ size: fromParts.size, sha256: fromParts.sha256 }), 'binary');
    assert.ok(Buffer.from(back.snapshot).equals(sealed));
  }
  assert.equal(`sha256:${new OutgoingTransfer(parts, size, 'chunks-late').beginSha256}`, checkSnapshot(sealed).hash);
});

test('a request carries a chunk as bytes after a NUL; other actions refuse an attachment', () => {
  const head = (action, args) => Buffer.from(JSON.stringify({ v: 1, correlationId: 'c1', replyTo: 'thingsjs/clients/x/reply', action, args }));
  const bytes = Buffer.from([0, 1, 2, 255, 10, 0]);
  const withBytes = (action, args) => Buffer.concat([head(action, args), Buffer.of(0), bytes]);
  const sha256 = 'a'.repeat(64);
  const ok = parseRequest(withBytes('prepare-chunk', { migrationId: 'abcdefgh', index: 3, sha256 }));
  assert.equal(ok.ok, true, ok.error?.message);
  assert.deepEqual(ok.request.args.data, bytes);
  const both = parseRequest(withBytes('prepare-chunk', { migrationId: 'abcdefgh', index: 3, sha256, data: 'AAAA' }));
  assert.equal(both.error.code, 'E_BAD_REQUEST');
  const other = parseRequest(withBytes('list', {}));
  assert.equal(other.error.code, 'E_BAD_REQUEST');
  assert.match(other.error.message, /no binary attachment/);
});

test('a chunk-digests transfer checks the whole through its chunks: a chunk of another package is refused at the end', () => {
  const other = text.replace('x'.repeat(100), 'y'.repeat(100)); // same length, one chunk differs
  const size = chunkSizeFor(4096, 'binary');
  const out = new OutgoingTransfer(text, size, 'chunks');
  const out2 = new OutgoingTransfer(other, size, 'chunks');
  const whole = new OutgoingTransfer(text, size);
  // Not the hash of the bytes: of the chunks' digests, and it names this package only.
  assert.notEqual(out.sha256, whole.sha256);
  assert.notEqual(out.sha256, out2.sha256);
  const differs = [...Array(out.chunks).keys()].filter((i) => out.chunk(i, true).sha256 !== out2.chunk(i, true).sha256);
  assert.equal(differs.length, 1);

  const args = { ...begin(out), format: 'binary', digest: 'chunks' };
  const clean = new IncomingTransfer(args);
  for (const i of [...Array(out.chunks).keys()].reverse()) clean.add(i, out.chunk(i, true).data, out.chunk(i, true).sha256);
  assert.equal(clean.assemble({ size: out.size, sha256: out.sha256 }).toString('utf8'), text);

  // Each chunk matches the hash it came with, but one belongs to the other package.
  const mixed = new IncomingTransfer(args);
  for (let i = 0; i < out.chunks; i++) {
    const c = (i === differs[0] ? out2 : out).chunk(i, true);
    mixed.add(i, c.data, c.sha256);
  }
  assert.throws(() => mixed.assemble({ size: out.size, sha256: out.sha256 }), { code: 'E_SNAPSHOT_CORRUPT', message: /does not match its sha256/ });
});

test('a late-digest transfer hashes chunks as they go, is named by its snapshot, and checks the whole against the prepare', () => {
  const snapshot = sealSnapshot({ heap: ['é'.repeat(3000), 'x'.repeat(20000)] });
  const pkgText = packageText({ snapshot, log: ['a line'] }, 'binary');
  const size = chunkSizeFor(4096, 'binary');
  const out = new OutgoingTransfer(pkgText, size, 'chunks-late');
  assert.equal(out.digest, 'chunks-late');
  // Named by the snapshot's own hash; the transfer's sha256 is that of its chunks' digests.
  assert.equal(`sha256:${out.beginSha256}`, openSnapshot(snapshot).hash);
  assert.equal(out.sha256, new OutgoingTransfer(pkgText, size, 'chunks').sha256);
  const args = { ...begin(out), sha256: out.beginSha256, format: 'binary', digest: 'chunks-late' };
  const t = new IncomingTransfer(args);
  for (let i = 0; i < out.chunks; i++) t.add(i, out.chunk(i, true).data, out.chunk(i, true).sha256);
  assert.equal(t.assemble({ size: out.size, sha256: out.sha256 }).toString('utf8'), pkgText);
  // A prepare whose sha256 is not that of these chunks (another capture, the same size).
  assert.throws(() => t.assemble({ size: out.size, sha256: 'f'.repeat(64) }), { code: 'E_SNAPSHOT_CORRUPT' });
  // A package without a snapshot header (JSON format) cannot be named so: plain chunk digests.
  assert.equal(new OutgoingTransfer(text, size, 'chunks-late').digest, 'chunks');
});

test('prepare-begin takes digest "whole", "chunks" or "chunks-late" and refuses anything else', () => {
  const req = (args) => Buffer.from(JSON.stringify({ v: 1, correlationId: 'c1', replyTo: 'thingsjs/clients/x/reply', action: 'prepare-begin', args }));
  const args = { migrationId: 'abcdefgh', source: 'a', size: 10, sha256: 'a'.repeat(64), chunks: 1, chunkSize: 10 };
  assert.equal(parseRequest(req({ ...args, digest: 'chunks' })).request.args.digest, 'chunks');
  assert.equal(parseRequest(req({ ...args, digest: 'chunks-late' })).request.args.digest, 'chunks-late');
  assert.equal(parseRequest(req(args)).request.args.digest, undefined);
  const bad = parseRequest(req({ ...args, digest: 'md5' }));
  assert.equal(bad.error.code, 'E_BAD_REQUEST');
  assert.match(bad.error.message, /digest/);
});
