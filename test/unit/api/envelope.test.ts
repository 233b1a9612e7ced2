import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  associatedData,
  dataKeyId,
  DecryptError,
  envelopeHeader,
  Keyring,
  kidOf,
} from '../../../api/db/envelope.js';

const A = randomBytes(32);
const B = randomBytes(32);
const aad = associatedData('findings.title', 'row-1');

describe('Keyring', () => {
  it('seals text and bytes that open with the same associated data, and differ every time', () => {
    const ring = new Keyring([A]);
    const text = 'A title with ünïcödé and \u0000 and emoji 🔐';
    const sealed = ring.sealText(text, aad);
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]*$/);
    expect(sealed).not.toContain('title');
    expect(ring.openText(sealed, aad)).toBe(text);
    expect(ring.sealText(text, aad)).not.toBe(sealed);
    const bytes = ring.sealBytes(text, aad);
    expect(bytes.includes(Buffer.from('title'))).toBe(false);
    expect(ring.openBytes(bytes, aad)).toBe(text);
    expect(ring.openText(ring.sealText('', aad), aad)).toBe('');
  });

  it('refuses another row, another column, an altered envelope, an unknown key, and garbage', () => {
    const ring = new Keyring([A]);
    const sealed = ring.sealText('secret', aad);
    expect(() => ring.openText(sealed, associatedData('findings.title', 'row-2'))).toThrow(DecryptError);
    expect(() => ring.openText(sealed, associatedData('findings.body', 'row-1'))).toThrow(DecryptError);
    const parts = sealed.split('.');
    const flipped = Buffer.from(parts[4]!, 'base64url');
    flipped[0]! ^= 1;
    parts[4] = flipped.toString('base64url');
    expect(() => ring.openText(parts.join('.'), aad)).toThrow(DecryptError);
    expect(() => new Keyring([B]).openText(sealed, aad)).toThrow(/no data key with id/);
    expect(() => ring.openText('plain text', aad)).toThrow(DecryptError);
    const bytes = ring.sealBytes('secret', aad);
    bytes[bytes.length - 1]! ^= 1;
    expect(() => ring.openBytes(bytes, aad)).toThrow(DecryptError);
    expect(() => ring.openBytes(Buffer.from('["a","b","c"]'), aad)).toThrow(DecryptError);
  });

  it('seals with the newest key and opens with any key it holds', () => {
    const old = new Keyring([A]);
    const rotated = new Keyring([B, A]);
    const before = old.sealText('kept', aad);
    expect(kidOf(before)).toBe(dataKeyId(A));
    expect(rotated.openText(before, aad)).toBe('kept');
    const after = rotated.sealText('new', aad);
    expect(kidOf(after)).toBe(dataKeyId(B));
    expect(rotated.currentKid).toBe(dataKeyId(B));
    expect(rotated.kids).toEqual([dataKeyId(B), dataKeyId(A)]);
    expect(kidOf(rotated.sealBytes('new', aad))).toBe(dataKeyId(B));
    expect(envelopeHeader(after)).toBe(`v1.${dataKeyId(B)}.`);
    expect(kidOf('not an envelope')).toBeUndefined();
  });

  it('refuses a key that is not 32 bytes, an empty list and a key listed twice', () => {
    expect(() => new Keyring([randomBytes(16)])).toThrow(/not 32/);
    expect(() => new Keyring([])).toThrow(/at least one/);
    expect(() => new Keyring([A, Buffer.from(A)])).toThrow(/twice/);
  });
});

describe('key ids', () => {
  it('are derived from the key: stable, 8 base64url characters, different per key, not the key', () => {
    expect(dataKeyId(A)).toBe(dataKeyId(Buffer.from(A)));
    expect(dataKeyId(A)).toMatch(/^[A-Za-z0-9_-]{8}$/);
    expect(dataKeyId(A)).not.toBe(dataKeyId(B));
    expect(A.toString('base64url')).not.toContain(dataKeyId(A));
  });
});

describe('blind indexes', () => {
  it('match a value in any case, differ per domain and per key, and do not show the value', () => {
    const ring = new Keyring([A]);
    const index = ring.blindIndex('repository', 'Octo/Hello');
    expect(index).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(ring.blindIndex('repository', 'octo/HELLO')).toBe(index);
    expect(ring.blindIndex('login', 'Octo/Hello')).not.toBe(index);
    expect(new Keyring([B]).blindIndex('repository', 'octo/hello')).not.toBe(index);
    expect(index.toLowerCase()).not.toContain('octo');
  });

  it('are computed under every key, newest first, for lookups during a rotation', () => {
    const rotated = new Keyring([B, A]);
    expect(rotated.blindIndexes('login', 'Mona')).toEqual([
      new Keyring([B]).blindIndex('login', 'mona'),
      new Keyring([A]).blindIndex('login', 'mona'),
    ]);
    expect(rotated.blindIndex('login', 'Mona')).toBe(rotated.blindIndexes('login', 'Mona')[0]);
  });
});
