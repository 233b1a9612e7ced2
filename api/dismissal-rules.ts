/**
 * An admin's decision on a dismissal, the same from the JSON API (`routes/dismissals.ts`) and from the page
 * (`web/routes/dismissals.tsx`): accepting it appends the path instruction it becomes to the repository's
 * hosted config (shown first: `acceptancePreview`), declining it records that it teaches nothing. Each
 * caller audits the decision as its requests are audited.
 */
import { isMap, isSeq, parseDocument, stringify } from 'yaml';
import { dismissalInstruction, parseConfigYaml, type Category, type ConfigIssue } from '../shared/index.js';
import { decideDismissal, getConfigs, getDismissal, writeConfig } from './db/index.js';
import type { DiffrayDb } from './db/index.js';

export type StoredDismissal = NonNullable<Awaited<ReturnType<typeof getDismissal>>>;

/** Where a dismissal stands: waiting for an admin, turned into an instruction, or declined. */
export function decisionOf(d: { acceptedAt: Date | null; declinedAt: Date | null }) {
  if (d.acceptedAt) return 'accepted' as const;
  if (d.declinedAt) return 'declined' as const;
  return 'pending' as const;
}

/** The path instruction a dismissal becomes. */
export function instructionOf(d: StoredDismissal) {
  return dismissalInstruction({ ...d, category: d.category as Category });
}

/** The repository's config YAML with `instruction` appended to its `instructions` (created if absent). */
function withInstruction(yaml: string | undefined, instruction: { paths: string[]; text: string }): string {
  const doc = parseDocument(yaml ?? '');
  // No config yet (a valid config is always a mapping): the instruction starts one.
  if (!isMap(doc.contents)) return stringify({ instructions: [instruction] });
  const existing = doc.get('instructions');
  if (isSeq(existing)) existing.add(doc.createNode(instruction));
  else doc.set('instructions', [instruction]);
  return String(doc);
}

export interface AcceptancePreview {
  instruction: { paths: string[]; text: string };
  /** The repository's hosted config as accepting would save it. */
  yaml: string;
  /** Why that config would be refused (the repository's config is invalid already): empty when it is not. */
  issues: ConfigIssue[];
}

/** What accepting `d` would save, before anything is. */
export async function acceptancePreview(
  db: DiffrayDb,
  accountId: string,
  d: StoredDismissal,
): Promise<AcceptancePreview> {
  const instruction = instructionOf(d);
  const yaml = withInstruction((await getConfigs(db, accountId, d.repository)).repository?.yaml, instruction);
  const parsed = parseConfigYaml(yaml);
  return { instruction, yaml, issues: parsed.ok ? [] : parsed.issues };
}

/** Why a decision was not taken: no such dismissal, decided already, or the config it would save is invalid. */
export type Refusal =
  | { ok: false; why: 'not-found' }
  | { ok: false; why: 'decided' }
  | { ok: false; why: 'invalid'; issues: ConfigIssue[] };

/**
 * Accepts a pending or declined dismissal: its instruction saved in the repository's hosted config, and
 * the decision recorded, in one transaction. An accepted one is not accepted again (a second click, or a
 * click on another instance at the same moment, would add the same instruction twice): the decision is
 * recorded first, conditionally (`decideDismissal`), and the config written only by the call that recorded it.
 */
export async function acceptDismissal(
  db: DiffrayDb,
  input: { accountId: string; id: string; now: Date },
): Promise<{ ok: true; dismissal: StoredDismissal; saved: AcceptancePreview } | Refusal> {
  const d = await getDismissal(db, input.accountId, input.id, input.now);
  if (!d) return { ok: false, why: 'not-found' };
  if (decisionOf(d) === 'accepted') return { ok: false, why: 'decided' };
  const preview = await acceptancePreview(db, input.accountId, d);
  if (preview.issues.length > 0) return { ok: false, why: 'invalid', issues: preview.issues };
  const outcome = await db.transaction(async (tx) => {
    if (!(await decideDismissal(tx, { ...input, decision: 'accepted' }))) return 'decided' as const;
    return (await writeConfig(tx, input.accountId, d.repository, preview.yaml, input.now))
      ? 'replaced'
      : 'new';
  });
  if (outcome === 'decided') return { ok: false, why: 'decided' };
  if (outcome === 'replaced') await db.eraseDeleted();
  return { ok: true, dismissal: d, saved: preview };
}

/** Declines a pending dismissal; an accepted one stays accepted (its instruction is in the config). */
export async function declineDismissal(
  db: DiffrayDb,
  input: { accountId: string; id: string; now: Date },
): Promise<{ ok: true; dismissal: StoredDismissal } | Refusal> {
  const d = await getDismissal(db, input.accountId, input.id, input.now);
  if (!d) return { ok: false, why: 'not-found' };
  if (!(await decideDismissal(db, { ...input, decision: 'declined' }))) return { ok: false, why: 'decided' };
  return { ok: true, dismissal: d };
}
