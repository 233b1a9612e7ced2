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
  StateBadge,
  Table,
  Time,
  UntrustedText,
} from '../components.js';
import { Layout, type PageProps } from '../layout.js';
import { pullRequestHref, repositoryHref, runLine } from './overview.js';

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
  fixed: number;
  dismissed: number;
  event: string | null;
  details: { title?: string; branch?: string; author?: string; reason?: string };
}

export interface FindingView {
  path: string;
  startLine: number | null;
  line: number;
  severity: string;
  category: string;
  title: string;
  body: string;
  /** new, open (still open from an earlier run), fixed, dismissed. */
  state: string;
  firstSeen: string | null;
  dismissal?: { by?: string; reason?: string } | undefined;
}

const isOpenState = (state: string) => state === 'new' || state === 'open';

/** Where a finding stands at this head, in a sentence. */
export function stateLine(f: Pick<FindingView, 'state' | 'firstSeen' | 'dismissal'>): string {
  const since = f.firstSeen ? ` since ${f.firstSeen.slice(0, 7)}` : '';
  switch (f.state) {
    case 'open':
      return `Still open${since}`;
    case 'fixed':
      return `Fixed by this run (raised${since || ' earlier'})`;
    case 'dismissed': {
      const by = f.dismissal?.by ? ` by @${f.dismissal.by}` : '';
      const reason = f.dismissal?.reason ? `: ${f.dismissal.reason}` : '';
      return `Dismissed${by}${reason}`;
    }
    default:
      return 'New in this run';
  }
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
  const matching = applyFilters(props.findings, filters);
  const shown = matching.filter((f) => isOpenState(f.state));
  const closed = matching.filter((f) => !isOpenState(f.state));
  const files = groupByFile(shown);
  const meta = runLine(r);
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
          <h1>
            {r.details.title ? `#${r.pullRequest} ${r.details.title}` : `Pull request #${r.pullRequest}`}
          </h1>
          {meta ? <p class="pr-meta">{meta}</p> : null}
          <p>
            {'Reviewed '}
            <Time at={r.createdAt} now={props.now} />
            {' · '}
            <ConclusionBadge conclusion={r.conclusion} status={r.status} />
            {' · '}
            <a href={pullRequestHref(r.repository, r.pullRequest)}>All runs of this pull request</a>
          </p>
          {r.details.reason ? <p class="run-reason">{`Why: ${r.details.reason}`}</p> : null}
        </div>
        <a class="btn" href={links.pullRequest(r.repository, r.pullRequest)} rel="noopener noreferrer">
          View pull request on GitHub<span aria-hidden="true"> ↗</span>
        </a>
      </div>

      <section class="card" aria-labelledby="run-head">
        <h2 id="run-head">This run</h2>
        <dl class="meta">
          <div>
            <dt>Open at this head</dt>
            <dd>
              <Counts counts={r} />
            </dd>
          </div>
          <div>
            <dt>Fixed by this run</dt>
            <dd>{formatNumber(r.fixed)}</dd>
          </div>
          <div>
            <dt>Dismissed</dt>
            <dd>{formatNumber(r.dismissed)}</dd>
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
                ? `${matching.length} of ${props.findings.length} shown`
                : `${props.findings.filter((f) => isOpenState(f.state)).length} open, ${r.fixed} fixed, ${r.dismissed} dismissed`}
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

        {props.findings.length === 0 ? (
          <div class="card">
            <p>No findings open at this head. Nothing to fix here.</p>
          </div>
        ) : files.length === 0 ? (
          <div class="card">
            <p>{filtered ? 'No open findings match these filters.' : 'No findings open at this head.'}</p>
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
                      <StateBadge state={f.state} />
                      <span class="badge badge-plain cat">{f.category}</span>
                      <h4 class="finding-title">{f.title}</h4>
                    </div>
                    {f.state === 'open' ? <p class="muted">{stateLine(f)}</p> : null}
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
        {closed.length > 0 ? (
          <section class="card" aria-labelledby="closed-head">
            <h2 id="closed-head">Fixed and dismissed at this head</h2>
            <Table
              caption="Findings fixed by this run or dismissed"
              head={
                <>
                  <th scope="col">State</th>
                  <th scope="col">Severity</th>
                  <th scope="col">Finding</th>
                  <th scope="col">Where</th>
                  <th scope="col">Details</th>
                </>
              }
            >
              {closed.map((f) => (
                <tr>
                  <td>
                    <StateBadge state={f.state} />
                  </td>
                  <td>
                    <SeverityBadge severity={f.severity} />
                  </td>
                  <td>{f.title}</td>
                  <td class="mono">{`${f.path}:${f.line}`}</td>
                  <td>{stateLine(f)}</td>
                </tr>
              ))}
            </Table>
          </section>
        ) : null}
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
