// helpers first: it loads the API app, which extends zod for OpenAPI before the shared schemas load.
import {
  get,
  makeTestApp,
  PUBLIC_URL,
  seedAccount,
  signInWithKey,
  testConfig,
  type TestApp,
} from './helpers.js';
/**
 * Session signing keys rotate (README, "The results API"): every page token names its key in its header
 * (`kid`); new sessions are signed with `SESSION_SECRET`; `SESSION_SECRET_PREVIOUS` still verifies the tokens
 * it signed before it was retired, so they live out their 12 hours, and nothing after; then it is dropped.
 */
import { randomBytes } from 'node:crypto';
import { decode, sign } from 'hono/jwt';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { pageOptions } from '../../api/web/index.js';
import { SESSION_TTL_SECONDS, signSession, verifySessionToken } from '../../api/auth/session-token.js';
import { deriveKey, sessionKeyId } from '../../api/auth/signed-token.js';
import { retiredSessionKey } from '../../api/db/index.js';
import { EnvError, loadEnv, resolveSessionSecret } from '../../api/env.js';

const OLD = randomBytes(48).toString('base64url');
const NEW = randomBytes(48).toString('base64url');
const issuer = new URL(PUBLIC_URL).origin;
const HOUR = 3_600_000;

let apps: TestApp[] = [];
afterEach(async () => {
  for (const t of apps) await t.close();
  apps = [];
});

const kidOfToken = (token: string) => (decode(token).header as { kid?: unknown }).kid;

describe('session tokens', () => {
  it('name the key that signed them (kid), derived from the secret and never the secret', async () => {
    const t = await makeTestApp({ config: { sessionSecret: NEW } });
    apps.push(t);
    const cookie = await signInWithKey(t, (await seedAccount(t, 'acme')).key);
    expect(kidOfToken(cookie)).toBe(sessionKeyId(NEW));
    expect(sessionKeyId(NEW)).toMatch(/^[A-Za-z0-9_-]{8}$/);
    expect(sessionKeyId(NEW)).not.toBe(sessionKeyId(OLD));
    expect(NEW).not.toContain(sessionKeyId(NEW));
  });

  it('signed with the previous secret stay valid after a rotation; new ones are signed with the new secret', async () => {
    const t = await makeTestApp({ config: { sessionSecret: OLD } });
    apps.push(t);
    const { key } = await seedAccount(t, 'acme');
    const before = await signInWithKey(t, key);
    t.clock.advance(HOUR);
    // The restart with SESSION_SECRET=new and SESSION_SECRET_PREVIOUS=old, on the same database.
    const config = testConfig({
      sessionSecret: NEW,
      previousSessionSecret: { secret: OLD, retiredAt: t.clock() },
    });
    const rotated = { app: createApp({ db: t.db, clock: t.clock, config, log: () => {}, ...pageOptions() }) };
    expect((await get(rotated, '/', before)).status).toBe(200);
    const after = await signInWithKey(rotated, key);
    expect(kidOfToken(after)).toBe(sessionKeyId(NEW));
    expect((await get(rotated, '/', after)).status).toBe(200);
    // Once its lifetime is over, the old session ends like any other.
    t.clock.advance(SESSION_TTL_SECONDS * 1000);
    expect((await get(rotated, '/', before)).status).toBe(302);
  });

  it('signed with the previous secret after it was retired are refused, so it verifies nothing once sessions expire', async () => {
    const retiredAt = new Date('2025-06-15T12:00:00Z');
    const context = (now: Date) => ({ secret: NEW, previous: { secret: OLD, retiredAt }, issuer, now });
    const claims = { sid: 's', acc: 'a', sv: 1 };
    const signedBefore = await signSession(claims, {
      secret: OLD,
      issuer,
      now: new Date(retiredAt.getTime() - 1000),
    });
    expect(
      await verifySessionToken(signedBefore, context(new Date(retiredAt.getTime() + HOUR))),
    ).toMatchObject(claims);
    // Someone holding the old secret cannot mint a token after its retirement.
    const forgedAfter = await signSession(claims, {
      secret: OLD,
      issuer,
      now: new Date(retiredAt.getTime() + 1000),
    });
    expect(
      await verifySessionToken(forgedAfter, context(new Date(retiredAt.getTime() + HOUR))),
    ).toBeUndefined();
    // Without the previous secret configured, its tokens are refused outright.
    expect(await verifySessionToken(signedBefore, { secret: NEW, issuer, now: retiredAt })).toBeUndefined();
  });

  it('without a kid, or with one of no configured key, are refused', async () => {
    const now = new Date('2025-06-15T12:00:00Z');
    const iat = Math.floor(now.getTime() / 1000);
    const payload = { sid: 's', acc: 'a', sv: 1, iss: issuer, aud: 'diffray-web', iat, exp: iat + 60 };
    const key = deriveKey(NEW, 'session');
    const jwk = (kid: string) => ({
      kty: 'oct',
      k: Buffer.from(key).toString('base64url'),
      alg: 'HS256',
      kid,
    });
    expect(
      await verifySessionToken(await sign(payload, jwk(sessionKeyId(NEW))), { secret: NEW, issuer, now }),
    ).toBeDefined();
    expect(await verifySessionToken(await sign(payload, key), { secret: NEW, issuer, now })).toBeUndefined();
    expect(
      await verifySessionToken(await sign(payload, jwk('unknown0')), { secret: NEW, issuer, now }),
    ).toBeUndefined();
    expect(
      await verifySessionToken(await sign(payload, jwk(sessionKeyId(OLD))), { secret: NEW, issuer, now }),
    ).toBeUndefined();
  });
});

describe('when the previous session key retired', () => {
  it('is the first start that listed it as previous, whatever restarts follow; a current key is never retired', async () => {
    const t = await makeTestApp();
    apps.push(t);
    const first = new Date('2025-06-15T12:00:00Z');
    const later = new Date(first.getTime() + 5 * HOUR);
    const [oldKid, newKid] = [sessionKeyId(OLD), sessionKeyId(NEW)];
    expect(await retiredSessionKey(t.db, { current: newKid, previous: oldKid, now: first })).toEqual(first);
    expect(await retiredSessionKey(t.db, { current: newKid, previous: oldKid, now: later })).toEqual(first);
    // Rolled back: the old key signs again, then is retired anew by the next rotation.
    expect(
      await retiredSessionKey(t.db, { current: oldKid, previous: undefined, now: later }),
    ).toBeUndefined();
    expect(await retiredSessionKey(t.db, { current: newKid, previous: oldKid, now: later })).toEqual(later);
  });
});

describe('SESSION_SECRET_PREVIOUS', () => {
  it('is taken beside SESSION_SECRET, refused alone, weak, or equal to it', () => {
    const env = (vars: Record<string, string>) => loadEnv({ PUBLIC_URL: 'https://diffray.example', ...vars });
    expect(resolveSessionSecret(env({ SESSION_SECRET: NEW, SESSION_SECRET_PREVIOUS: OLD }))).toEqual({
      secret: NEW,
      previous: OLD,
      source: 'env',
    });
    expect(() => env({ SESSION_SECRET_PREVIOUS: OLD })).toThrow(EnvError);
    expect(() =>
      resolveSessionSecret(env({ SESSION_SECRET: NEW, SESSION_SECRET_PREVIOUS: 'short' })),
    ).toThrow('SESSION_SECRET_PREVIOUS is too weak');
    expect(() => resolveSessionSecret(env({ SESSION_SECRET: NEW, SESSION_SECRET_PREVIOUS: NEW }))).toThrow(
      'SESSION_SECRET_PREVIOUS is SESSION_SECRET',
    );
  });
});
