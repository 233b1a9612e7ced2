/**
 * Who may talk to diffray. A command costs the account a model call or changes what diffray posts, and on
 * a public repository anyone may comment: only the associations the config allows (people with write
 * access by default) run commands, and a PR's author may ask about the findings on their own PR. Anyone
 * else gets nothing (no model call, no post); bots never trigger anything, so two bots, or diffray and its
 * own replies, cannot talk to each other in a loop.
 */
import type { AuthorAssociation } from '../../../shared/index.js';
import type { Command } from './command.js';

export const DEFAULT_ALLOWED_ASSOCIATIONS: readonly AuthorAssociation[] = ['OWNER', 'MEMBER', 'COLLABORATOR'];

export interface Commenter {
  login: string;
  /** GitHub's `user.type`: `User`, `Bot`, `Organization`. */
  type: string;
  /** The comment's `author_association`. */
  association: string;
}

export type Permission =
  | { allowed: true; as: 'association' | 'pr-author' }
  | { allowed: false; reason: 'bot' | 'not-allowed' | 'disabled' };

export function decidePermission(input: {
  command: Command;
  commenter: Commenter;
  prAuthor: string;
  /** The comment is a reply in one of diffray's review threads. */
  inDiffrayThread: boolean;
  /** `commands.allowed-associations` (default OWNER, MEMBER, COLLABORATOR). */
  allowed?: readonly string[];
  /** `commands.enabled` (default true). */
  enabled?: boolean;
}): Permission {
  const { commenter } = input;
  // `[bot]` logins are GitHub Apps whatever type the payload states (a PAT-driven bot still says User).
  if (commenter.type === 'Bot' || /\[bot\]$/i.test(commenter.login)) return { allowed: false, reason: 'bot' };
  if (input.enabled === false) return { allowed: false, reason: 'disabled' };
  const allowed = input.allowed ?? DEFAULT_ALLOWED_ASSOCIATIONS;
  if (allowed.includes(commenter.association.toUpperCase())) return { allowed: true, as: 'association' };
  const isAuthor = input.prAuthor !== '' && commenter.login.toLowerCase() === input.prAuthor.toLowerCase();
  if (isAuthor && input.inDiffrayThread && input.command.kind === 'other')
    return { allowed: true, as: 'pr-author' };
  return { allowed: false, reason: 'not-allowed' };
}
