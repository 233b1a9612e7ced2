/**
 * What an account holds about itself and about a person, read and corrected. A correction and its audit
 * entries are one transaction; the entries name the fields that changed, never their values: a person's
 * name and e-mail are personal data, which the audit log is no place to copy.
 */
import { and, eq, isNotNull } from 'drizzle-orm';
import { recordAudit } from './audit.js';
import type { Orm } from './client.js';
import { accounts, memberships, users } from './schema.js';

export interface AccountDetails {
  name: string;
  company: string | null;
  contactEmail: string | null;
}

export interface PersonDetails {
  displayName: string | null;
  email: string | null;
}

/** Who corrects, from where, when: what each audit entry of the correction records. */
export interface Corrector {
  actor: string;
  clientAddress?: string | undefined;
  at: Date;
}

const accountColumns = {
  id: accounts.id,
  name: accounts.name,
  company: accounts.company,
  contactEmail: accounts.contactEmail,
  createdAt: accounts.createdAt,
};

const personColumns = {
  id: users.id,
  login: users.login,
  displayName: users.displayName,
  email: users.email,
};

/**
 * `current` with the fields of `patch` that differ from it; `write` stores those (their names given, for the
 * audit log) unless there are none.
 */
function corrected<T extends object>(
  current: T,
  patch: Partial<T>,
  write: (set: Partial<T>, fields: string[]) => void,
): T {
  const fields = (Object.keys(patch) as (keyof T & string)[]).filter(
    (field) => patch[field] !== undefined && patch[field] !== current[field],
  );
  if (fields.length === 0) return current;
  const set = Object.fromEntries(fields.map((f) => [f, patch[f]])) as Partial<T>;
  write(set, fields);
  return { ...current, ...set };
}

export function getAccountDetails(orm: Orm, accountId: string) {
  return orm.select(accountColumns).from(accounts).where(eq(accounts.id, accountId)).get();
}

/** Corrects the account's details, audited in it as `account.update`. Undefined when there is no account. */
export function correctAccount(orm: Orm, accountId: string, patch: Partial<AccountDetails>, by: Corrector) {
  return orm.transaction((tx) => {
    const current = getAccountDetails(tx, accountId);
    return (
      current &&
      corrected(current, patch, (set, fields) => {
        tx.update(accounts).set(set).where(eq(accounts.id, accountId)).run();
        recordAudit(tx, { accountId, action: 'account.update', target: accountId, fields, ...by });
      })
    );
  });
}

export function getPerson(orm: Orm, userId: string) {
  return orm.select(personColumns).from(users).where(eq(users.id, userId)).get();
}

/**
 * Corrects what the person tells the accounts about themselves, audited as `user.update` in every account
 * they joined (each holds it). Undefined when there is no such person.
 */
export function correctPerson(orm: Orm, userId: string, patch: Partial<PersonDetails>, by: Corrector) {
  return orm.transaction((tx) => {
    const current = getPerson(tx, userId);
    return (
      current &&
      corrected(current, patch, (set, fields) => {
        tx.update(users).set(set).where(eq(users.id, userId)).run();
        const joined = tx
          .select({ accountId: memberships.accountId })
          .from(memberships)
          .where(and(eq(memberships.userId, userId), isNotNull(memberships.acceptedAt)))
          .all();
        for (const { accountId } of joined)
          recordAudit(tx, { accountId, action: 'user.update', target: `user:${userId}`, fields, ...by });
      })
    );
  });
}
