/**
 * Node's crypto module, loaded when first used. Loading it (OpenSSL's initialisation, a
 * dozen internal modules) costs a process ~2 MB: a program host uses it only for a program's
 * dynamic functions, and an idle agent not at all (it hashes snapshots, makes ids and reads
 * TLS files only when there is such work).
 */
import type * as Crypto from 'node:crypto';

let loaded: typeof Crypto | undefined;

export function nodeCrypto(): typeof Crypto {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (loaded ??= require('node:crypto') as typeof Crypto);
}

/** The SHA-256 of a text (as UTF-8) or of bytes, in hex. */
export const sha256Hex = (data: string | Uint8Array): string => nodeCrypto().createHash('sha256').update(data).digest('hex');
