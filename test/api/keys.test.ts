import { describe, expect, it } from 'vitest';
import {
  displayPrefix,
  generateKey,
  hashKey,
  isWellFormedKey,
  KEY_LENGTH,
} from '../../api/auth/key-format.js';

describe('API key format', () => {
  it('generates dfr_ keys with a valid checksum, all different', () => {
    const keys = Array.from({ length: 200 }, generateKey);
    expect(new Set(keys).size).toBe(200);
    for (const key of keys) {
      expect(key).toMatch(/^dfr_[0-9A-Za-z]{28}$/);
      expect(key).toHaveLength(KEY_LENGTH);
      expect(isWellFormedKey(key)).toBe(true);
    }
  });

  it('rejects any single-character typo, truncation or wrong prefix', () => {
    const key = generateKey();
    for (let i = 4; i < key.length; i += 1) {
      const c = key[i] === 'A' ? 'B' : 'A';
      expect(isWellFormedKey(key.slice(0, i) + c + key.slice(i + 1))).toBe(false);
    }
    expect(isWellFormedKey(key.slice(0, -1))).toBe(false);
    expect(isWellFormedKey(`xfr_${key.slice(4)}`)).toBe(false);
    expect(isWellFormedKey(`${key} `)).toBe(false);
    expect(isWellFormedKey('')).toBe(false);
  });

  it('hashes with SHA-256 hex and shows only a short prefix', () => {
    const key = generateKey();
    expect(hashKey(key)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashKey(key)).toBe(hashKey(key));
    expect(displayPrefix(key)).toBe(key.slice(0, 12));
  });
});
