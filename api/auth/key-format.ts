/**
 * API key format: `dfr_` + 22 base62 characters (≥ 130 bits of randomness) + 6 base62 characters of the
 * body's CRC32. The checksum lets a malformed or mistyped key be refused before any database lookup (and
 * lets secret scanners recognise the format). Only `hashKey(key)` is ever stored.
 */
import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

export const KEY_PREFIX = 'dfr_';
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BODY_CHARS = 22;
const CHECKSUM_CHARS = 6;
export const KEY_LENGTH = KEY_PREFIX.length + BODY_CHARS + CHECKSUM_CHARS;
const KEY_SHAPE = new RegExp(`^${KEY_PREFIX}[0-9A-Za-z]{${BODY_CHARS + CHECKSUM_CHARS}}$`);

function base62(value: number, width: number): string {
  let out = '';
  let n = value;
  for (let i = 0; i < width; i += 1) {
    out = ALPHABET[n % 62]! + out;
    n = Math.floor(n / 62);
  }
  return out;
}

function checksum(body: string): string {
  return base62(crc32(body), CHECKSUM_CHARS);
}

/** Uniform random base62 by rejection sampling (bytes ≥ 248 are dropped so `% 62` has no bias). */
function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += ALPHABET[byte % 62]!;
    }
  }
  return out;
}

/** A new plaintext key. Show it once; store `hashKey(key)` and `displayPrefix(key)`. */
export function generateKey(): string {
  const body = randomBase62(BODY_CHARS);
  return `${KEY_PREFIX}${body}${checksum(body)}`;
}

/** True when `key` has the format and its checksum matches: cheap, no database. */
export function isWellFormedKey(key: string): boolean {
  if (!KEY_SHAPE.test(key)) return false;
  const body = key.slice(KEY_PREFIX.length, KEY_PREFIX.length + BODY_CHARS);
  return key.slice(KEY_PREFIX.length + BODY_CHARS) === checksum(body);
}

/** SHA-256 hex of the key: what the database stores (unique index). Keys are random, so no salt is needed. */
export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The part shown in listings (`dfr_AbC12345`): enough to recognise a key, far too little to use it. */
export function displayPrefix(key: string): string {
  return key.slice(0, KEY_PREFIX.length + 8);
}
