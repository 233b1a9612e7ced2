/**
 * GitHub webhook signature check (pure). `X-Hub-Signature-256: sha256=<64 hex>` is HMAC-SHA256 of the raw
 * body; compared in constant time against every configured secret (current and, during rotation, the
 * previous one). A malformed header or a digest that is not 32 bytes is simply false, never a throw.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const SIGNATURE = /^sha256=([0-9a-fA-F]{64})$/;

export function signPayload(secret: string, raw: Uint8Array | string): string {
  return `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
}

export function verifySignature(
  raw: Uint8Array,
  header: string | undefined,
  secrets: readonly string[],
): boolean {
  if (header === undefined || secrets.length === 0) return false;
  const hex = SIGNATURE.exec(header.trim())?.[1];
  if (hex === undefined) return false;
  const given = Buffer.from(hex, 'hex');
  if (given.length !== 32) return false;
  let ok = false;
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(raw).digest();
    // Every secret is checked, so the time taken does not say which one matched.
    ok = timingSafeEqual(expected, given) || ok;
  }
  return ok;
}

/** The repositories a webhook event says are gone (deleted, or removed from the installation). */
export function repositoriesRemoved(event: string | undefined, payload: unknown): string[] {
  if (typeof payload !== 'object' || payload === null) return [];
  const p = payload as { action?: unknown; repository?: unknown; repositories_removed?: unknown };
  const name = (r: unknown) =>
    typeof r === 'object' && r !== null && typeof (r as { full_name?: unknown }).full_name === 'string'
      ? [(r as { full_name: string }).full_name]
      : [];
  if (event === 'repository' && p.action === 'deleted') return name(p.repository);
  if (
    event === 'installation_repositories' &&
    p.action === 'removed' &&
    Array.isArray(p.repositories_removed)
  ) {
    return p.repositories_removed.flatMap(name);
  }
  return [];
}
