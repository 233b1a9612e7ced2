/**
 * The I/O of `diffray eval --bench`: pinned benchmark files downloaded once and checked by SHA-256 (kept in
 * the cache folder by hash), each PR's repository as a partial clone (commits and trees, blobs on demand),
 * and the per-PR result cache an interrupted run resumes from.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PinnedFile } from '../core/findings/bench.js';
import type { GitRunner } from './git-process.js';

export const sha256 = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');

/**
 * Fetches `file` under `baseUrl` (or reads it from the cache), refusing a body whose hash is not the
 * pinned one. A file without a known hash (a SWE-PRBench annotation, at the pinned dataset commit) is kept
 * by its URL, which names that commit.
 */
export async function downloadPinned(
  baseUrl: string,
  file: PinnedFile,
  opts: { cacheDir: string; fetch?: typeof fetch },
): Promise<string> {
  const url = `${baseUrl.replace(/\/$/, '')}/${file.path}`;
  const dir = join(opts.cacheDir, 'data');
  const cached = join(dir, file.sha256 ?? sha256(url));
  const pinned = (body: Buffer) => file.sha256 === undefined || sha256(body) === file.sha256;
  if (existsSync(cached)) {
    const body = readFileSync(cached);
    if (pinned(body)) return body.toString('utf8');
  }
  const res = await (opts.fetch ?? fetch)(url);
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  const body = Buffer.from(await res.arrayBuffer());
  const got = sha256(body);
  if (file.sha256 !== undefined && got !== file.sha256)
    throw new Error(
      `${file.path}: SHA-256 ${got} is not the pinned ${file.sha256} (the file changed or was tampered with)`,
    );
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${cached}.tmp`, body);
  renameSync(`${cached}.tmp`, cached);
  return body.toString('utf8');
}

/**
 * The PR's repository as a partial clone in `dir` (once per repository: `--filter=blob:none`, no checkout),
 * its base and head fetched: the given commits, or for a PR known by number its `pull/N/head` and, as
 * base, the merge base with the default branch. Returns the two commits.
 */
export async function preparePrRepo(
  run: (cwd: string) => GitRunner,
  pr: { cloneUrl: string; number: number; baseSha?: string; headSha?: string },
  dir: string,
): Promise<{ baseSha: string; headSha: string }> {
  if (!existsSync(join(dir, 'HEAD')) && !existsSync(join(dir, '.git'))) {
    mkdirSync(dir, { recursive: true });
    await run(dir)(['clone', '--quiet', '--bare', '--filter=blob:none', pr.cloneUrl, '.']);
  }
  const git = run(dir);
  if (pr.baseSha !== undefined && pr.headSha !== undefined) {
    await git(['fetch', '--quiet', '--filter=blob:none', 'origin', pr.baseSha, pr.headSha]);
    return { baseSha: pr.baseSha, headSha: pr.headSha };
  }
  const ref = `refs/diffray/pull/${pr.number}`;
  await git(['fetch', '--quiet', '--filter=blob:none', 'origin', `+refs/pull/${pr.number}/head:${ref}`]);
  const headSha = (await git(['rev-parse', ref])).stdout.trim();
  const baseSha = (await git(['merge-base', 'HEAD', headSha])).stdout.trim();
  return { baseSha, headSha };
}

/** Per-PR results by key (model, judge, prompt hash, PR): an interrupted run resumes where it stopped. */
export function resultCache<T>(cacheDir: string) {
  const dir = join(cacheDir, 'results');
  const path = (key: string) => join(dir, `${sha256(key)}.json`);
  return {
    get(key: string): T | undefined {
      const file = path(key);
      return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : undefined;
    },
    set(key: string, value: T): void {
      mkdirSync(dir, { recursive: true });
      writeFileSync(`${path(key)}.tmp`, JSON.stringify(value));
      renameSync(`${path(key)}.tmp`, path(key));
    },
  };
}
