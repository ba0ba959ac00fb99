/** Short random identifiers. */
import { nodeCrypto } from '../shared/lazy-crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `length` characters of [A-Za-z0-9], uniformly distributed (rejection sampling). */
export function randomId(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const b of nodeCrypto().randomBytes(length * 2)) {
      // 248 = 4 * 62: drop bytes above it so every character is equally likely.
      if (b < 248 && out.length < length) out += ALPHABET[b % 62];
    }
  }
  return out;
}

/** Process ids: 8 characters, they name a program for its whole life, across migrations. */
export const PROCESS_ID_PATTERN = /^[A-Za-z0-9]{8}$/;
export const newProcessId = (): string => randomId(8);
export const isProcessId = (s: unknown): s is string => typeof s === 'string' && PROCESS_ID_PATTERN.test(s);

/** Correlation ids of requests: long enough to be unique among concurrent requesters. */
export const newCorrelationId = (): string => randomId(16);

/** Migration ids: name one handoff in both agents' journals (and in file names there). */
export const MIGRATION_ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;
export const newMigrationId = (): string => randomId(16);
export const isMigrationId = (s: unknown): s is string => typeof s === 'string' && MIGRATION_ID_PATTERN.test(s);
