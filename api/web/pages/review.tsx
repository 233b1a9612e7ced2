import { CATEGORIES } from '../../../shared/finding.js';
import { SEVERITIES, severityRank, type Severity, type SeverityCounts } from '../../../shared/severity.js';
import {
  ConclusionBadge,
  Counts,
  formatCost,
  formatDuration,
  formatNumber,
  formatUtc,
  SeverityBadge,
  sumCounts,
  Time,
  UntrustedText,
} from '../components.js';
import { Layout, type PageProps } from '../layout.js';
import { repositoryHref } from './overview.js';

export interface ReviewDetail extends SeverityCounts {
  id: string;
  repository: string;
  pullRequest: number;
  headSha: string;
  baseSha: string;
  status: string;
  conclusion: string;
  model: string;
  tokensInput: number;
  tokensCacheWrite: number;
  tokensCacheRead: number;
  tokensOutput: number;
  costUsd: number;
  durationMs: number;
  filesReviewed: number;
  filesSkipped: number;
  linesReviewed: number;
  linesChanged: number;
  createdAt: Date;
  expiresAt: Date;
}

export interface FindingView {
  path: string;
  startLine: number | null;
  line: number;
  severity: string;
  category: string;
  title: string;
  body: string;
}

/** What the PR changes, as the run reported it (prose only): overviews and one line per file. */
export interface WalkthroughView {
  overview: string[];
  files: { path: string; summary: string }[];
}

export interface FindingFilters {
  severities: Severity[];
  categories: string[];
}

/** Reads the filters from query values, keeping only known severities and categories. */
export function parseFilters(severity: string[], category: string[]): FindingFilters {
  return {
    severities: SEVERITIES.filter((s) => severity.includes(s)),
    categories: CATEGORIES.filter((c) => category.includes(c)),
  };
}

export function applyFilters<T extends FindingView>(findings: readonly T[], f: FindingFilters): T[] {
  return findings.filter(
    (x) =>
      (f.severities.length === 0 || (f.severities as string[]).includes(x.severity)) &&
      (f.categories.length === 0 || f.categories.includes(x.category)),
  );
}

/** Groups findings by file; files ordered by their most severe finding, then path. */
export function groupByFile<T extends FindingView>(
  findings: readonly T[],
): { path: string; findings: T[] }[] {
  const groups = new Map<string, T[]>();
  for (const f of findings) {
    const list = groups.get(f.path) ?? [];
    list.push(f);
    groups.set(f.path, list);
  }
  const rank = (s: string) =>
    (SEVERITIES as readonly string[]).includes(s) ? severityRank(s as Severity) : 9;
  const worst = (list: T[]) => Math.min(...list.map((f) => rank(f.severity)));
  return [...groups.entries()]
    .map(([path, list]) => ({
      path,
      findings: [...list].sort((a, b) => rank(a.severity) - rank(b.severity) || a.line - b.line),
    }))
    .sort((a, b) => worst(a.findings) - worst(b.findings) || a.path.localeCompare(b.path));
}

function pct(part: number, whole: number): string {
  if (whole <= 0) return '—';
  return `${Math.round((Math.min(part, whole) / whole) * 100)}%`;
}

function lineLabel(f: FindingView): string {
  return f.startLine !== null && f.startLine < f.line ? `lines ${f.startLine}–${f.line}` : `line ${f.line}`;
}

export function ReviewPage(
  props: PageProps & {
    review: ReviewDetail;
    findings: FindingView[];
    filters: FindingFilters;
    walkthrough?: WalkthroughView | undefined;
  },
) {
  const { review: r, links, filters } = props;
  const shown = applyFilters(props.findings, filters);
  const files = groupByFile(shown);
  const presentCategories = CATEGORIES.filter((c) => props.findings.some((f) => f.category === c));
  const filtered = filters.severities.length > 0 || filters.categories.length > 0;
  const title = `${r.repository} #${r.pullRequest}`;
  return (
    <Layout title={title} viewer={props.viewer} section="overview">
      <div class="page-head">
        <div>
          <p class="breadcrumb">
            <a href="/">Overview</a> / <a href={repositoryHref(r.repository)}>{r.repository}</a>
          </p>
          <h1>{`Pull request #${r.pullRequest}`}</h1>
          <p>
            {'Reviewed '}
            <Time at={r.createdAt} now={props.now} />
            {' · '}
            <ConclusionBadge conclusion={r.conclusion} status={r.status} />
          </p>
        </div>
        <a class="btn" href={links.pullRequest(r.repository, r.pullRequest)} rel="noopener noreferrer">
          View pull request on GitHub<span aria-hidden="true"> ↗</span>
        </a>
      </div>

      <section class="card" aria-labelledby="run-head">
        <h2 id="run-head">This run</h2>
        <dl class="meta">
          <div>
            <dt>Findings</dt>
            <dd>
              <Counts counts={r} />
            </dd>
          </div>
          <div>
            <dt>Files reviewed</dt>
            <dd>{`${formatNumber(r.filesReviewed)} of ${formatNumber(r.filesReviewed + r.filesSkipped)}`}</dd>
          </div>
          <div>
            <dt>Lines reviewed</dt>
            <dd>{`${formatNumber(r.linesReviewed)} of ${formatNumber(r.linesChanged)} (${pct(r.linesReviewed, r.linesChanged)})`}</dd>
          </div>
          <div>
            <dt>Model cost</dt>
            <dd>{formatCost(r.costUsd)}</dd>
          </div>
          <div>
            <dt>Tokens in / out</dt>
            <dd>{`${formatNumber(r.tokensInput + r.tokensCacheRead + r.tokensCacheWrite)} / ${formatNumber(r.tokensOutput)}`}</dd>
          </div>
          <div>
            <dt>Cache reads</dt>
            <dd>{formatNumber(r.tokensCacheRead)}</dd>
          </div>
          <div>
            <dt>Duration</dt>
            <dd>{formatDuration(r.durationMs)}</dd>
          </div>
          <div>
            <dt>Model</dt>
            <dd class="mono">{r.model}</dd>
          </div>
          <div>
            <dt>Head commit</dt>
            <dd class="mono">{r.headSha.slice(0, 12)}</dd>
          </div>
          <div>
            <dt>Kept until</dt>
            <dd>{formatUtc(r.expiresAt).slice(0, 10)}</dd>
          </div>
        </dl>
      </section>

      {props.walkthrough ? <Walkthrough walkthrough={props.walkthrough} links={links} /> : null}

      <section aria-labelledby="findings-head">
        <div class="card">
          <h2 id="findings-head">
            Findings{' '}
            <span class="card-sub">
              {filtered
                ? `${shown.length} of ${props.findings.length} shown`
                : `${props.findings.length} in total`}
            </span>
          </h2>
          <form method="get" class="filters" aria-label="Filter findings">
            <fieldset class="checks">
              <legend>Severity</legend>
              {SEVERITIES.map((s) => (
                <label>
                  <input type="checkbox" name="severity" value={s} checked={filters.severities.includes(s)} />
                  {s}
                </label>
              ))}
            </fieldset>
            {presentCategories.length > 0 ? (
              <fieldset class="checks">
                <legend>Category</legend>
                {presentCategories.map((c) => (
                  <label>
                    <input
                      type="checkbox"
                      name="category"
                      value={c}
                      checked={filters.categories.includes(c)}
                    />
                    {c}
                  </label>
                ))}
              </fieldset>
            ) : null}
            <div class="actions">
              <button type="submit" class="btn btn-primary btn-small">
                Apply filters
              </button>
              {filtered ? (
                <a class="btn btn-small" href={`/reviews/${encodeURIComponent(r.id)}`}>
                  Clear
                </a>
              ) : null}
            </div>
          </form>
        </div>

        {sumCounts(r) === 0 && props.findings.length === 0 ? (
          <div class="card">
            <p>No findings in this run. Nothing to fix here.</p>
          </div>
        ) : files.length === 0 ? (
          <div class="card">
            <p>No findings match these filters.</p>
          </div>
        ) : (
          files.map((file) => (
            <section class="file" aria-label={`Findings in ${file.path}`}>
              <div class="file-head">
                <h3>{file.path}</h3>
                <span class="muted">{`${file.findings.length} finding${file.findings.length === 1 ? '' : 's'}`}</span>
              </div>
              <div class="file-body">
                {file.findings.map((f) => (
                  <article class="finding">
                    <div class="finding-head">
                      <SeverityBadge severity={f.severity} />
                      <span class="badge badge-plain cat">{f.category}</span>
                      <h4 class="finding-title">{f.title}</h4>
                    </div>
                    <p class="finding-body">
                      <UntrustedText text={f.body} links={links} />
                    </p>
                    <p class="finding-foot">
                      <a
                        href={links.lines(r.repository, r.headSha, f.path, f.startLine, f.line)}
                        rel="noopener noreferrer"
                      >
                        {`${f.path}, ${lineLabel(f)}`}
                        <span aria-hidden="true"> ↗</span>
                      </a>
                    </p>
                  </article>
                ))}
              </div>
            </section>
          ))
        )}
      </section>
    </Layout>
  );
}

/** The run's walkthrough: model-written prose, shown as untrusted text like finding bodies. */
function Walkthrough(props: { walkthrough: WalkthroughView; links: PageProps['links'] }) {
  const { overview, files } = props.walkthrough;
  return (
    <section class="card" aria-labelledby="walkthrough-head">
      <h2 id="walkthrough-head">
        What this pull request changes{' '}
        <span class="card-sub">{`${files.length} file${files.length === 1 ? '' : 's'}`}</span>
      </h2>
      {overview.map((o) => (
        <p>
          <UntrustedText text={o} links={props.links} />
        </p>
      ))}
      {files.length > 0 ? (
        <details open={files.length <= 30}>
          <summary>Files</summary>
          <ul class="walkthrough">
            {files.map((f) => (
              <li>
                <span class="mono">{f.path}</span>
                {': '}
                <UntrustedText text={f.summary} links={props.links} />
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </section>
  );
}
