/**
 * Encryption at rest, pure (node:crypto only, no native addon): AES-256-GCM envelopes that name the key
 * they were sealed with, and keyed blind indexes for the values queries look up by equality.
 *
 * Every data key (32 random bytes, `DATA_ENCRYPTION_KEY`) yields, by HKDF-SHA-256 with a purpose each, an
 * encryption key, a blind-index key and its id, so no key material serves two purposes. The id is derived
 * from the key: the same key always has the same id and two keys cannot share one by mistake.
 *
 * An envelope is `v1.<kid>.` followed by the 12-byte IV, the 16-byte tag and the ciphertext: base64url
 * parts joined by dots in a text column (`v1.<kid>.<iv>.<tag>.<ct>`), raw bytes in a BLOB. Its associated
 * data names the table, the column and the row (`associatedData`), so a ciphertext copied into another row
 * or column fails authentication instead of showing there.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

export const DATA_KEY_BYTES = 32;
const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KID_BYTES = 6;
/** `v1.` + the 8 characters of a kid + `.`: where an envelope's binary part starts. */
export const ENVELOPE_HEADER_LENGTH = VERSION.length + 1 + Math.ceil((KID_BYTES * 4) / 3) + 1;

/** A value that cannot be opened: an unknown key, or an envelope altered or moved from another row. */
export class DecryptError extends Error {
  override name = 'DecryptError';
}

interface DataKey {
  kid: string;
  encrypt: Buffer;
  index: Buffer;
}

function derive(secret: Uint8Array, purpose: string, length: number): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, new Uint8Array(0), `diffray/${VERSION}/${purpose}`, length));
}

/** The id of a data key, derived from it: 8 base64url characters, safe to log. */
export function dataKeyId(secret: Uint8Array): string {
  return derive(secret, 'key-id', KID_BYTES).toString('base64url');
}

/** The associated data of a value: which column (`table.column`) of which row it belongs to. */
export function associatedData(column: string, rowKey: string | number): string {
  return `${column}\0${rowKey}`;
}

/** The values looked up by equality, each its own blind-index domain, and how each is normalized first. */
const INDEXED = {
  /** A GitHub login: GitHub logins are case-insensitive. */
  login: (login: string) => login.toLowerCase(),
  /** `owner/name`: GitHub repository names are case-insensitive. */
  repository: (fullName: string) => fullName.toLowerCase(),
} satisfies Record<string, (value: string) => string>;
export type IndexDomain = keyof typeof INDEXED;

/** `v1.<kid>.` of the key that sealed `envelope` (text or bytes), or undefined when it is not an envelope. */
export function envelopeHeader(envelope: string | Uint8Array): string | undefined {
  const head =
    typeof envelope === 'string'
      ? envelope.slice(0, ENVELOPE_HEADER_LENGTH)
      : Buffer.from(envelope.subarray(0, ENVELOPE_HEADER_LENGTH)).toString('latin1');
  return /^v1\.[A-Za-z0-9_-]{8}\.$/.test(head) ? head : undefined;
}

/** The id of the key that sealed `envelope`, or undefined when it is not an envelope. */
export function kidOf(envelope: string | Uint8Array): string | undefined {
  return envelopeHeader(envelope)?.slice(VERSION.length + 1, -1);
}

/**
 * The data keys of a server, newest first: the newest seals and indexes new values; every one opens the
 * values it sealed and finds the values it indexed.
 */
export class Keyring {
  /** Key ids, newest first. */
  readonly kids: readonly string[];
  private readonly keys: readonly DataKey[];
  private readonly byKid: ReadonlyMap<string, DataKey>;

  constructor(secrets: readonly Uint8Array[]) {
    if (secrets.length === 0) throw new Error('at least one data key is required');
    this.keys = secrets.map((secret, i) => {
      if (secret.length !== DATA_KEY_BYTES)
        throw new Error(`data key ${i + 1} is ${secret.length} bytes, not ${DATA_KEY_BYTES}`);
      return {
        kid: dataKeyId(secret),
        encrypt: derive(secret, 'encrypt', 32),
        index: derive(secret, 'blind-index', 32),
      };
    });
    this.kids = this.keys.map((k) => k.kid);
    this.byKid = new Map(this.keys.map((k) => [k.kid, k]));
    if (this.byKid.size !== this.keys.length) throw new Error('the same data key is listed twice');
  }

  /** The id of the key new values are sealed with. */
  get currentKid(): string {
    return this.keys[0]!.kid;
  }

  /** Seals `plaintext` for a text column: `v1.<kid>.<iv>.<tag>.<ct>`. */
  sealText(plaintext: string, aad: string): string {
    const { kid, iv, tag, ct } = this.seal(plaintext, aad);
    return `${VERSION}.${kid}.${iv.toString('base64url')}.${tag.toString('base64url')}.${ct.toString('base64url')}`;
  }

  /** Seals `plaintext` for a BLOB column: the text envelope's header, then the IV, tag and ciphertext as bytes. */
  sealBytes(plaintext: string, aad: string): Buffer {
    const { kid, iv, tag, ct } = this.seal(plaintext, aad);
    return Buffer.concat([Buffer.from(`${VERSION}.${kid}.`, 'latin1'), iv, tag, ct]);
  }

  openText(envelope: string, aad: string): string {
    const parts = envelope.split('.');
    if (parts.length !== 5 || parts[0] !== VERSION) throw new DecryptError('not an envelope');
    const [, kid, iv, tag, ct] = parts as [string, string, string, string, string];
    return this.open(
      kid,
      Buffer.from(iv, 'base64url'),
      Buffer.from(tag, 'base64url'),
      Buffer.from(ct, 'base64url'),
      aad,
    );
  }

  openBytes(envelope: Uint8Array, aad: string): string {
    const kid = kidOf(envelope);
    if (kid === undefined) throw new DecryptError('not an envelope');
    const bytes = Buffer.from(envelope.buffer, envelope.byteOffset, envelope.byteLength);
    const ivAt = ENVELOPE_HEADER_LENGTH;
    const tagAt = ivAt + IV_BYTES;
    const ctAt = tagAt + TAG_BYTES;
    return this.open(
      kid,
      bytes.subarray(ivAt, tagAt),
      bytes.subarray(tagAt, ctAt),
      bytes.subarray(ctAt),
      aad,
    );
  }

  /** The blind index of `value` under the newest key: HMAC-SHA-256 of the normalized value, base64url. */
  blindIndex(domain: IndexDomain, value: string): string {
    return blindIndexWith(this.keys[0]!, domain, value);
  }

  /** The blind index of `value` under every key, newest first: what a lookup must match during a rotation. */
  blindIndexes(domain: IndexDomain, value: string): string[] {
    return this.keys.map((k) => blindIndexWith(k, domain, value));
  }

  private seal(plaintext: string, aad: string) {
    const key = this.keys[0]!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key.encrypt, iv);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { kid: key.kid, iv, tag: cipher.getAuthTag(), ct };
  }

  private open(kid: string, iv: Buffer, tag: Buffer, ct: Buffer, aad: string): string {
    const key = this.byKid.get(kid);
    if (key === undefined) throw new DecryptError(`no data key with id ${kid}`);
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new DecryptError('malformed envelope');
    const decipher = createDecipheriv('aes-256-gcm', key.encrypt, iv);
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(ct), decipher.final()]).toString('utf8');
    } catch {
      throw new DecryptError('the envelope does not authenticate for this row and column');
    }
  }
}

function blindIndexWith(key: DataKey, domain: IndexDomain, value: string): string {
  return createHmac('sha256', key.index)
    .update(`${domain}\0${INDEXED[domain](value)}`, 'utf8')
    .digest('base64url');
}
