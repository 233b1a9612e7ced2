/**
 * The `diffray` check run of the GitHubPort: created `in_progress` when the run starts, completed with its
 * verdict and annotations (GitHub takes 50 per request) when it ends. The Checks API takes GitHub App
 * tokens only, and its own permission (`checks: write`).
 */
import { LIMITS } from '../../shared/index.js';
import { batches } from '../core/batches.js';
import { CHECK_NAME } from '../core/constants.js';
import type { CheckRunResult, GitHubPort } from '../ports.js';
import { rethrow, type RepoClient } from './github-client.js';

/** `run`: the workflow run doing the review; the check's "Details" link leads to its log. */
export function checkRuns(
  { client, owner, repo }: RepoClient,
  run: { id: string; url: string } | undefined,
): Pick<GitHubPort, 'createCheckRun' | 'completeCheckRun'> {
  const base = { owner, repo };
  return {
    async createCheckRun(headSha) {
      try {
        const res = await client.request('POST /repos/{owner}/{repo}/check-runs', {
          ...base,
          name: CHECK_NAME,
          head_sha: headSha,
          status: 'in_progress',
          started_at: new Date().toISOString(),
          ...(run ? { details_url: run.url, external_id: run.id } : {}),
        });
        return (res.data as { id: number }).id;
      } catch (error) {
        rethrow(error, 'checks: write', 'create the diffray check run');
      }
    },

    async completeCheckRun(id, result: CheckRunResult) {
      const [first = [], ...rest] = batches(result.annotations, LIMITS.annotationsPerRequest);
      const output = {
        title: result.output.title.slice(0, LIMITS.annotationTitleChars),
        summary: result.output.summary.slice(0, LIMITS.checkOutputChars),
        ...(result.output.text ? { text: result.output.text.slice(0, LIMITS.checkOutputChars) } : {}),
      };
      try {
        await client.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', {
          ...base,
          check_run_id: id,
          status: 'completed',
          conclusion: result.conclusion,
          completed_at: new Date().toISOString(),
          output: { ...output, annotations: first },
        });
        // GitHub takes 50 annotations per request and appends those of each further update; the same output
        // goes with them (title and summary are required), so no update changes what the check shows.
        for (const batch of rest) {
          await client.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', {
            ...base,
            check_run_id: id,
            output: { ...output, annotations: batch },
          });
        }
      } catch (error) {
        rethrow(error, 'checks: write', 'complete the diffray check run');
      }
    },
  };
}
