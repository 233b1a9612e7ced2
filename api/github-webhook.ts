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

/**
 * What a webhook event means for the stored repositories: one deleted (the repository deleted, removed
 * from the installation, or its installation deleted), every repository of an owner deleted (an
 * installation on all of them deleted), or one moved to a new `owner/name` (renamed, transferred).
 */
export type RepositoryChange =
  | { kind: 'delete'; repository: string }
  | { kind: 'delete-owner'; owner: string }
  | { kind: 'move'; from: string; to: string };

type Json = Record<string, unknown>;

const field = (value: unknown, key: string): unknown =>
  typeof value === 'object' && value !== null ? (value as Json)[key] : undefined;
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const deleted = (repository: unknown): RepositoryChange[] => {
  const name = text(field(repository, 'full_name'));
  return name === undefined ? [] : [{ kind: 'delete', repository: name }];
};

/** The changes an event asks for (GitHub's payloads: docs.github.com, "Webhook events and payloads"). */
export function repositoryChanges(event: string | undefined, payload: unknown): RepositoryChange[] {
  const action = field(payload, 'action');
  const repository = field(payload, 'repository');
  if (event === 'repository' && action === 'deleted') return deleted(repository);
  if (event === 'repository' && (action === 'renamed' || action === 'transferred')) {
    const to = text(field(repository, 'full_name'));
    const changes = field(payload, 'changes');
    const from =
      action === 'renamed'
        ? joined(
            text(field(field(repository, 'owner'), 'login')),
            text(field(field(field(changes, 'repository'), 'name'), 'from')),
          )
        : joined(previousOwner(field(field(changes, 'owner'), 'from')), text(field(repository, 'name')));
    return to === undefined || from === undefined ? [] : [{ kind: 'move', from, to }];
  }
  if (event === 'installation_repositories' && action === 'removed') {
    const removed = field(payload, 'repositories_removed');
    return Array.isArray(removed) ? removed.flatMap(deleted) : [];
  }
  if (event === 'installation' && action === 'deleted') {
    const listed = field(payload, 'repositories');
    const changes = Array.isArray(listed) ? listed.flatMap(deleted) : [];
    // The list is optional; an installation on all the owner's repositories covered every one of them.
    const installation = field(payload, 'installation');
    const owner = text(field(field(installation, 'account'), 'login'));
    if (field(installation, 'repository_selection') === 'all' && owner !== undefined)
      changes.push({ kind: 'delete-owner', owner });
    return changes;
  }
  return [];
}

const joined = (owner: string | undefined, name: string | undefined) =>
  owner === undefined || name === undefined ? undefined : `${owner}/${name}`;

/** A transfer's previous owner: `changes.owner.from` names a user or an organization. */
const previousOwner = (from: unknown) =>
  text(field(field(from, 'user'), 'login')) ?? text(field(field(from, 'organization'), 'login'));
