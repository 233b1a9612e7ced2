/**
 * What talking to diffray in a pull request needs of GitHub: the PR as it is now, the `eyes` reaction that
 * acknowledges a command, the one reply (an issue comment, or a reply in a review thread), and the PR's
 * review comments (the thread a question is asked in, and diffray's answers of the last hour).
 */
import type { GitHubTalkPort, PrReviewComment, PullRequestInfo } from '../ports.js';
import { MAX_PAGES, PER_PAGE, rethrow, type RepoClient } from './github-client.js';
import type { Identity } from './github-identity.js';

interface ReviewCommentRow {
  id: number;
  body?: string | null;
  path?: string;
  line?: number | null;
  in_reply_to_id?: number | null;
  created_at?: string;
  user?: { login?: string; type?: string } | null;
}

export function talkToGitHub({ client, owner, repo }: RepoClient, identity: Identity): GitHubTalkPort {
  const base = { owner, repo };
  return {
    async getPullRequest(pr): Promise<PullRequestInfo> {
      try {
        const { data } = await client.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', {
          ...base,
          pull_number: pr,
        });
        return {
          number: data.number,
          title: data.title ?? '',
          body: data.body ?? '',
          draft: data.draft ?? false,
          baseSha: data.base.sha.toLowerCase(),
          headSha: data.head.sha.toLowerCase(),
          author: data.user?.login ?? '',
        };
      } catch (error) {
        rethrow(error, 'pull-requests: read', 'read the pull request');
      }
    },

    async addReaction(target, content) {
      const route =
        target.kind === 'issue'
          ? 'POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions'
          : 'POST /repos/{owner}/{repo}/pulls/comments/{comment_id}/reactions';
      try {
        await client.request(route, { ...base, comment_id: target.id, content });
      } catch (error) {
        rethrow(error, 'pull-requests: write', 'react to the comment');
      }
    },

    async replyTo(pr, target, body) {
      try {
        if (target.kind === 'issue') {
          await client.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
            ...base,
            issue_number: pr,
            body,
          });
        } else {
          await client.request(
            'POST /repos/{owner}/{repo}/pulls/{pull_number}/comments/{comment_id}/replies',
            {
              ...base,
              pull_number: pr,
              comment_id: target.id,
              body,
            },
          );
        }
      } catch (error) {
        rethrow(error, 'pull-requests: write', 'reply to the comment');
      }
    },

    async listReviewComments(pr): Promise<PrReviewComment[]> {
      const comments: PrReviewComment[] = [];
      try {
        for (let page = 1; page <= MAX_PAGES; page++) {
          const res = await client.request('GET /repos/{owner}/{repo}/pulls/{pull_number}/comments', {
            ...base,
            pull_number: pr,
            per_page: PER_PAGE,
            page,
          });
          const rows = res.data as ReviewCommentRow[];
          for (const row of rows) {
            const body = row.body ?? '';
            comments.push({
              id: row.id,
              body,
              path: row.path ?? '',
              ...(typeof row.line === 'number' ? { line: row.line } : {}),
              ...(typeof row.in_reply_to_id === 'number' ? { inReplyTo: row.in_reply_to_id } : {}),
              author: row.user?.login ?? '',
              ours: await identity.isOurs(row.user, body),
              createdAt: row.created_at ?? '',
            });
          }
          if (rows.length < PER_PAGE) break;
        }
        return comments;
      } catch (error) {
        rethrow(error, 'pull-requests: read', 'list the review comments');
      }
    },
  };
}
