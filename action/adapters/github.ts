import { PAUSED_MARKER, SUMMARY_MARKER } from '../core/constants.js';
import { hasMarkerLine, parseFindingMarkers, parseSummaryState } from '../core/output/markers.js';
import { parseHunks, rightSideLines } from '../core/input/diff.js';
import type {
  ExistingMarkers,
  GitHubPort,
  GitHubTalkPort,
  Logger,
  PlannedComment,
  ReviewPostResult,
  SummaryComment,
} from '../ports.js';
import { checkRuns } from './github-checks.js';
import { firstLine, httpError, MAX_PAGES, PER_PAGE, rethrow, type GitHubClient } from './github-client.js';
import { createIdentity } from './github-identity.js';
import { talkToGitHub } from './github-talk.js';
import { reviewThreads } from './github-threads.js';

interface CommentRow {
  id: number;
  body?: string | null;
  user?: { login?: string; type?: string } | null;
}

export interface GitHubPortOptions {
  client: GitHubClient;
  owner: string;
  repo: string;
  log: Logger;
  /** The workflow run doing the review: the check's "Details" link leads to its log. */
  run?: { id: string; url: string };
}

/**
 * GitHubPort over the REST API, and GraphQL for review threads. The PR's comments are handled here (the
 * review with its inline comments, the summary comment, the markers earlier runs left); the check run
 * (github-checks.ts) and the review threads (github-threads.ts) over the same client (github-client.ts).
 * Reads are paginated; content-creating writes stay at three per run (check, review, and the summary or the
 * replies in fixed threads).
 */
export function createGitHubPort({
  client,
  owner,
  repo,
  log,
  run,
}: GitHubPortOptions): GitHubPort & GitHubTalkPort {
  const base = { owner, repo };
  const repoClient = { client, owner, repo };
  const identity = createIdentity(client);

  async function listAll(route: string, params: Record<string, unknown>): Promise<CommentRow[]> {
    const rows: CommentRow[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const res = await client.request(route, { ...base, ...params, per_page: PER_PAGE, page });
      const data = res.data as CommentRow[];
      rows.push(...data);
      if (data.length < PER_PAGE) break;
    }
    return rows;
  }

  /** Ours: a bot's (GITHUB_TOKEN or an app token), or the token's own user's (github-identity.ts). */
  const ours = async (rows: CommentRow[]) => {
    const kept: CommentRow[] = [];
    for (const row of rows) if (await identity.isOurs(row.user, row.body ?? '')) kept.push(row);
    return kept;
  };

  async function findSummary(pr: number): Promise<{ row: CommentRow; found: SummaryComment } | undefined> {
    const comments = await listAll('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', {
      issue_number: pr,
    });
    // The oldest is the one every later run updated; any other is a duplicate from a race.
    const marked = comments.filter((c) => (c.body ?? '').includes(SUMMARY_MARKER));
    const [summary, ...extra] = await ours(marked);
    return (
      summary && {
        row: summary,
        found: { id: summary.id, duplicates: extra.map((c) => c.id), body: summary.body ?? '' },
      }
    );
  }

  /** Updates the summary comment; false when it was deleted since it was listed. */
  async function updateSummary(id: number, body: string): Promise<boolean> {
    try {
      await client.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', {
        ...base,
        comment_id: id,
        body,
      });
      return true;
    } catch (error) {
      if (httpError(error)?.status !== 404) throw error;
      return false;
    }
  }

  /** Deletes duplicate summaries, so the PR shows one (best effort: a failure leaves a stale copy). */
  async function removeDuplicates(ids: number[]): Promise<void> {
    for (const id of ids) {
      try {
        await client.request('DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}', {
          ...base,
          comment_id: id,
        });
        log.info(`Deleted a duplicate summary comment (${id}) left by runs that overlapped`);
      } catch (error) {
        log.debug(`Could not delete the duplicate summary comment ${id}: ${(error as Error).message}`);
      }
    }
  }

  async function validRightLines(pr: number, paths: Set<string>): Promise<Map<string, Set<number>>> {
    const valid = new Map<string, Set<number>>();
    for (let page = 1; page <= MAX_PAGES && valid.size < paths.size; page++) {
      const res = await client.request('GET /repos/{owner}/{repo}/pulls/{pull_number}/files', {
        ...base,
        pull_number: pr,
        per_page: PER_PAGE,
        page,
      });
      const files = res.data as { filename: string; patch?: string }[];
      for (const f of files)
        if (paths.has(f.filename)) valid.set(f.filename, rightSideLines(parseHunks(f.patch ?? '')));
      if (files.length < PER_PAGE) break;
    }
    return valid;
  }

  async function postReview(
    pr: number,
    commitId: string,
    body: string,
    comments: PlannedComment[],
  ): Promise<void> {
    await client.request('POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews', {
      ...base,
      pull_number: pr,
      commit_id: commitId,
      event: 'COMMENT',
      body,
      comments: comments.map((c) => c.comment),
    });
  }

  return {
    ...checkRuns(repoClient, run),
    ...reviewThreads(repoClient, identity),
    ...talkToGitHub(repoClient, identity),

    async listExistingFindingMarkers(pr): Promise<ExistingMarkers> {
      try {
        const summary = await findSummary(pr);
        const reviewComments = await listAll('GET /repos/{owner}/{repo}/pulls/{pull_number}/comments', {
          pull_number: pr,
        });
        const fingerprints = new Set<string>();
        for (const c of await ours(reviewComments)) {
          for (const fp of parseFindingMarkers(c.body ?? '')) fingerprints.add(fp);
        }
        const state = summary ? parseSummaryState(summary.row.body ?? '') : undefined;
        for (const fp of state?.fingerprints ?? []) fingerprints.add(fp);
        return {
          fingerprints,
          ...(state ? { lastHeadSha: state.headSha, state } : {}),
          ...(summary ? { summary: summary.found } : {}),
          ...(summary && hasMarkerLine(summary.row.body ?? '', PAUSED_MARKER) ? { paused: true } : {}),
        };
      } catch (error) {
        rethrow(error, 'pull-requests: read', 'list the PR comments');
      }
    },

    async currentHead(pr) {
      try {
        const res = await client.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', {
          ...base,
          pull_number: pr,
        });
        return res.data.head.sha;
      } catch (error) {
        rethrow(error, 'pull-requests: read', 'read the pull request');
      }
    },

    async createReview(pr, review): Promise<ReviewPostResult> {
      const all = review.comments;
      try {
        await postReview(pr, review.commitId, review.body, all);
        return { posted: all.map((c) => c.fingerprint), rejected: [] };
      } catch (error) {
        if (httpError(error)?.status !== 422 || all.length === 0)
          rethrow(error, 'pull-requests: write', 'post the review');
        log.warning(
          `GitHub rejected the review (422: ${firstLine(httpError(error)!.message)}); checking each comment`,
        );
      }
      // GitHub does not say which comment it refused: check each against the PR's own diff, then post the rest.
      const valid = await validRightLines(pr, new Set(all.map((c) => c.comment.path))).catch(() => new Map());
      const ok: PlannedComment[] = [];
      const rejected: ReviewPostResult['rejected'] = [];
      for (const c of all) {
        const lines = valid.get(c.comment.path);
        const inDiff =
          lines !== undefined &&
          lines.has(c.comment.line) &&
          (c.comment.start_line === undefined || lines.has(c.comment.start_line));
        if (inDiff) ok.push(c);
        else rejected.push({ fingerprint: c.fingerprint, reason: 'line-rejected-by-github' });
      }
      if (rejected.length > 0) {
        try {
          await postReview(pr, review.commitId, review.body, ok);
          return { posted: ok.map((c) => c.fingerprint), rejected };
        } catch (error) {
          if (httpError(error)?.status !== 422) rethrow(error, 'pull-requests: write', 'post the review');
        }
      }
      // Last resort: the review without inline comments; every finding stays in the summary.
      try {
        await postReview(pr, review.commitId, review.body, []);
      } catch (error) {
        rethrow(error, 'pull-requests: write', 'post the review');
      }
      return {
        posted: [],
        rejected: all.map((c) => ({ fingerprint: c.fingerprint, reason: 'comment-rejected-by-github' })),
      };
    },

    async upsertSummaryComment(pr, body, found) {
      let summary: SummaryComment | undefined;
      try {
        // None known, so about to create one: look (again), since another run on this PR may have created
        // it meanwhile.
        summary = found ?? (await findSummary(pr))?.found;
        if (summary === undefined || !(await updateSummary(summary.id, body))) {
          await client.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
            ...base,
            issue_number: pr,
            body,
          });
        }
      } catch (error) {
        rethrow(error, 'pull-requests: write', 'write the summary comment');
      }
      await removeDuplicates(summary?.duplicates ?? []);
    },
  };
}
