/**
 * What an account holds about itself and about a person, read and corrected. Every value here is personal
 * data or could be (a company, an e-mail address): sealed on write and opened on read (`encryption.ts`,
 * `SEALED_TABLES`). A correction and its audit entries are one transaction; the entries name the fields
 * that changed, never their values, which the audit log is no place to copy. The replaced values are then
 * erased from the WAL (`eraseDeleted`), as every replacement of stored text is.
 */
import { and, eq, isNotNull } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { getAccount } from './accounts.js';
import { recordAudit } from './audit.js';
import type { DiffrayDb, Orm } from './client.js';
import { sealOptional, unseal, unsealOptional } from './encryption.js';
import { accounts, memberships, users } from './schema.js';

/** What the account holds about itself, opened. */
export interface AccountDetails {
  id: string;
  name: string;
  company: string | null;
  contactEmail: string | null;
  createdAt: Date;
}

/** A correction of the account's details: the fields given are set, `null` clears an optional one. */
export interface AccountPatch {
  name?: string | undefined;
  company?: string | null | undefined;
  contactEmail?: string | null | undefined;
}

/** What the accounts hold about a person, opened. The login is GitHub's: corrected by renaming it there. */
export interface PersonDetails {
  id: string;
  login: string;
  displayName: string | null;
  email: string | null;
}

export interface PersonPatch {
  displayName?: string | null | undefined;
  email?: string | null | undefined;
}

/** Who corrects, from where, when: what each audit entry of the correction records. */
export interface Corrector {
  actor: string;
  clientAddress?: string | undefined;
  at: Date;
}

/**
 * The fields of `patch` whose value differs from `current`'s, with the column each is stored in.
 * `columns` lists the fields that can be corrected.
 */
function changes<K extends string>(
  current: Record<NoInfer<K>, string | null>,
  patch: Partial<Record<NoInfer<K>, string | null | undefined>>,
  columns: Record<K, SQLiteColumn>,
): { field: K; column: SQLiteColumn; value: string | null }[] {
  return (Object.keys(columns) as K[]).flatMap((field) => {
    const value = patch[field];
    return value === undefined || value === current[field] ? [] : [{ field, column: columns[field], value }];
  });
}

/**
 * The values of `changed`, sealed for the row `rowKey`, as drizzle's `set` of an update (each field is named
 * as its column is in `schema.ts`).
 */
function sealedSet(
  orm: Orm,
  rowKey: string,
  changed: { field: string; column: SQLiteColumn; value: string | null }[],
) {
  return Object.fromEntries(
    changed.map(({ field, column, value }) => [field, sealOptional(orm, column, rowKey, value)]),
  );
}

const ACCOUNT_FIELDS = {
  name: accounts.name,
  company: accounts.company,
  contactEmail: accounts.contactEmail,
} as const;

const PERSON_FIELDS = { displayName: users.displayName, email: users.email } as const;

export function getAccountDetails(orm: Orm, accountId: string): AccountDetails | undefined {
  const account = getAccount(orm, accountId);
  return (
    account && {
      id: account.id,
      name: account.name,
      company: account.company,
      contactEmail: account.contactEmail,
      createdAt: account.createdAt,
    }
  );
}

/**
 * Corrects the account's details, audited in it as `account.update` with the names of the fields that
 * changed. Undefined when there is no account.
 */
export function correctAccount(
  db: DiffrayDb,
  accountId: string,
  patch: AccountPatch,
  by: Corrector,
): AccountDetails | undefined {
  let replaced = false;
  const result = db.orm.transaction((tx) => {
    const current = getAccountDetails(tx, accountId);
    if (!current) return undefined;
    const changed = changes(current, patch, ACCOUNT_FIELDS);
    if (changed.length === 0) return current;
    // The account's name is required: `null` never reaches it (the schemas refuse it).
    const name = changed.find((c) => c.field === 'name');
    if (name && name.value === null) throw new Error('the account name cannot be cleared');
    tx.update(accounts)
      .set(sealedSet(tx, accountId, changed))
      .where(eq(accounts.id, accountId))
      .run();
    const fields = changed.map((c) => c.field);
    recordAudit(tx, { accountId, action: 'account.update', target: accountId, fields, ...by });
    replaced = true;
    return { ...current, ...Object.fromEntries(changed.map((c) => [c.field, c.value])) } as AccountDetails;
  });
  if (replaced) db.eraseDeleted();
  return result;
}

export function getPerson(orm: Orm, userId: string): PersonDetails | undefined {
  const row = orm
    .select({ id: users.id, login: users.login, displayName: users.displayName, email: users.email })
    .from(users)
    .where(eq(users.id, userId))
    .get();
  return (
    row && {
      id: row.id,
      login: unseal(orm, users.login, row.id, row.login),
      displayName: unsealOptional(orm, users.displayName, row.id, row.displayName),
      email: unsealOptional(orm, users.email, row.id, row.email),
    }
  );
}

/**
 * Corrects what the person tells the accounts about themselves, audited as `user.update` (field names) in
 * every account they joined, since each holds it. Undefined when there is no such person.
 */
export function correctPerson(
  db: DiffrayDb,
  userId: string,
  patch: PersonPatch,
  by: Corrector,
): PersonDetails | undefined {
  let replaced = false;
  const result = db.orm.transaction((tx) => {
    const current = getPerson(tx, userId);
    if (!current) return undefined;
    const changed = changes(current, patch, PERSON_FIELDS);
    if (changed.length === 0) return current;
    tx.update(users)
      .set(sealedSet(tx, userId, changed))
      .where(eq(users.id, userId))
      .run();
    const fields = changed.map((c) => c.field);
    const joined = tx
      .select({ accountId: memberships.accountId })
      .from(memberships)
      .where(and(eq(memberships.userId, userId), isNotNull(memberships.acceptedAt)))
      .all();
    for (const { accountId } of joined)
      recordAudit(tx, { accountId, action: 'user.update', target: `user:${userId}`, fields, ...by });
    replaced = true;
    return { ...current, ...Object.fromEntries(changed.map((c) => [c.field, c.value])) } as PersonDetails;
  });
  if (replaced) db.eraseDeleted();
  return result;
}
