'use strict';
// Certificates for TLS tests, made with openssl (EC P-256 keys: fast to generate).
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function openssl(dir, args) {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A CA in `dir`: NAME.crt and NAME.key. Returns { crt, key, issue(name, { cn, san }) }. */
function makeCa(dir, name) {
  fs.mkdirSync(dir, { recursive: true });
  openssl(dir, ['req', '-x509', ...EC, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${name}`]);
  const ca = {
    crt: path.join(dir, `${name}.crt`),
    key: path.join(dir, `${name}.key`),
    /** A certificate signed by this CA: LEAF.crt, LEAF.key (subjectAltName `san`, e.g. "IP:127.0.0.1"). */
    issue(leaf, { cn = leaf, san } = {}) {
      openssl(dir, ['req', '-new', ...EC, '-keyout', `${leaf}.key`, '-out', `${leaf}.csr`, '-subj', `/CN=${cn}`]);
      const ext = path.join(dir, `${leaf}.ext`);
      fs.writeFileSync(ext, san ? `subjectAltName=${san}\n` : 'basicConstraints=CA:FALSE\n');
      openssl(dir, ['x509', '-req', '-in', `${leaf}.csr`, '-CA', ca.crt, '-CAkey', ca.key, '-CAcreateserial', '-out', `${leaf}.crt`, '-days', '2', '-extfile', ext]);
      return { crt: path.join(dir, `${leaf}.crt`), key: path.join(dir, `${leaf}.key`) };
    },
  };
  return ca;
}

module.exports = { makeCa };
