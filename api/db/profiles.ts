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
import type { DiffrayDb, Tables } from './client.js';
import { sealOptional, unseal, unsealOptional } from './encryption.js';

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
  db: DiffrayDb,
  rowKey: string,
  changed: { field: string; column: SQLiteColumn; value: string | null }[],
) {
  return Object.fromEntries(
    changed.map(({ field, column, value }) => [field, sealOptional(db, column, rowKey, value)]),
  );
}

const accountFields = ({ accounts }: Tables) =>
  ({ name: accounts.name, company: accounts.company, contactEmail: accounts.contactEmail }) as const;

const personFields = ({ users }: Tables) => ({ displayName: users.displayName, email: users.email }) as const;

export async function getAccountDetails(
  db: DiffrayDb,
  accountId: string,
): Promise<AccountDetails | undefined> {
  const account = await getAccount(db, accountId);
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
export async function correctAccount(
  db: DiffrayDb,
  accountId: string,
  patch: AccountPatch,
  by: Corrector,
): Promise<AccountDetails | undefined> {
  const { accounts } = db.tables;
  let replaced = false;
  const result = await db.transaction(async (tx) => {
    const current = await getAccountDetails(tx, accountId);
    if (!current) return undefined;
    const changed = changes(current, patch, accountFields(tx.tables));
    if (changed.length === 0) return current;
    // The account's name is required: `null` never reaches it (the schemas refuse it).
    const name = changed.find((c) => c.field === 'name');
    if (name && name.value === null) throw new Error('the account name cannot be cleared');
    await tx.orm
      .update(accounts)
      .set(sealedSet(tx, accountId, changed))
      .where(eq(accounts.id, accountId));
    const fields = changed.map((c) => c.field);
    await recordAudit(tx, { accountId, action: 'account.update', target: accountId, fields, ...by });
    replaced = true;
    return { ...current, ...Object.fromEntries(changed.map((c) => [c.field, c.value])) } as AccountDetails;
  });
  if (replaced) await db.eraseDeleted();
  return result;
}

export async function getPerson(db: DiffrayDb, userId: string): Promise<PersonDetails | undefined> {
  const { users } = db.tables;
  const [row] = await db.orm
    .select({ id: users.id, login: users.login, displayName: users.displayName, email: users.email })
    .from(users)
    .where(eq(users.id, userId))
    .limit(1);
  return (
    row && {
      id: row.id,
      login: unseal(db, users.login, row.id, row.login),
      displayName: unsealOptional(db, users.displayName, row.id, row.displayName),
      email: unsealOptional(db, users.email, row.id, row.email),
    }
  );
}

/**
 * Corrects what the person tells the accounts about themselves, audited as `user.update` (field names) in
 * every account they joined, since each holds it. Undefined when there is no such person.
 */
export async function correctPerson(
  db: DiffrayDb,
  userId: string,
  patch: PersonPatch,
  by: Corrector,
): Promise<PersonDetails | undefined> {
  const { memberships, users } = db.tables;
  let replaced = false;
  const result = await db.transaction(async (tx) => {
    const current = await getPerson(tx, userId);
    if (!current) return undefined;
    const changed = changes(current, patch, personFields(tx.tables));
    if (changed.length === 0) return current;
    await tx.orm
      .update(users)
      .set(sealedSet(tx, userId, changed))
      .where(eq(users.id, userId));
    const fields = changed.map((c) => c.field);
    const joined = await tx.orm
      .select({ accountId: memberships.accountId })
      .from(memberships)
      .where(and(eq(memberships.userId, userId), isNotNull(memberships.acceptedAt)));
    for (const { accountId } of joined)
      await recordAudit(tx, { accountId, action: 'user.update', target: `user:${userId}`, fields, ...by });
    replaced = true;
    return { ...current, ...Object.fromEntries(changed.map((c) => [c.field, c.value])) } as PersonDetails;
  });
  if (replaced) await db.eraseDeleted();
  return result;
}
