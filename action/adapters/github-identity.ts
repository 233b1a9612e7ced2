/**
 * Which comments are diffray's own. With the workflow's token (or an App's), diffray writes as a bot, and
 * marker text in a person's comment is ignored. With a personal access token it writes as that person: its
 * comments are then recognised by their hidden marker together with the token's own login (GraphQL
 * `viewer`, asked once and only when a person's comment carries a marker), never by the marker alone, which
 * anyone can type.
 */
import { MARKER_PREFIX } from '../core/constants.js';
import type { GitHubClient } from './github-client.js';

export interface CommentAuthor {
  login?: string;
  /** REST `user.type` or GraphQL `__typename`. */
  type?: string;
}

export interface Identity {
  isOurs(author: CommentAuthor | null | undefined, body: string): Promise<boolean>;
}

export function createIdentity(client: GitHubClient): Identity {
  let viewer: Promise<string> | undefined;
  const login = () =>
    (viewer ??= client
      .graphql<{ viewer?: { login?: string } }>('query { viewer { login } }')
      .then((data) => data.viewer?.login ?? '')
      .catch(() => ''));
  return {
    async isOurs(author, body) {
      if (author?.type === 'Bot') return true;
      if (!author?.login || !body.includes(`<!-- ${MARKER_PREFIX}`)) return false;
      return (await login()).toLowerCase() === author.login.toLowerCase();
    },
  };
}
