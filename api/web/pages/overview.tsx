import type { SeverityCounts } from '../../../shared/severity.js';
import { SeverityChart, type ChartDay } from '../chart.js';
import {
  ConclusionBadge,
  Counts,
  EVENT_LABEL,
  formatCost,
  formatNumber,
  GetStarted,
  Stat,
  sumCounts,
  Table,
  Time,
  type GitHubLinks,
} from '../components.js';
import { Layout, type PageProps } from '../layout.js';
import { Trends, weeklyTrends, type TrendInput } from '../trends.js';

/** A review as listed on the overview and repository pages. */
export interface ReviewListItem extends SeverityCounts {
  id: string;
  repository: string;
  pullRequest: number;
  status: string;
  conclusion: string;
  costUsd: number;
  createdAt: Date;
  /** What the PR is known by (absent for reports of older actions). */
  details?: { title?: string; branch?: string; author?: string };
  event?: string | null;
}

export interface TopRepository extends SeverityCounts {
  fullName: string;
  reviews: number;
}

export function repositoryHref(fullName: string): string {
  return `/repositories/${fullName.split('/').map(encodeURIComponent).join('/')}`;
}

/** The page of one pull request: all its runs and its findings across them. */
export function pullRequestHref(fullName: string, pullRequest: number): string {
  return `${repositoryHref(fullName)}/pulls/${pullRequest}`;
}

/** "fix/parser · @octocat · re-run": what tells one run of a list from another. */
export function runLine(r: Pick<ReviewListItem, 'details' | 'event'>): string {
  const parts: string[] = [];
  if (r.details?.branch) parts.push(r.details.branch);
  if (r.details?.author) parts.push(`@${r.details.author}`);
  if (r.event) parts.push(EVENT_LABEL[r.event] ?? r.event);
  return parts.join(' · ');
}

export function ReviewsTable(props: {
  reviews: readonly ReviewListItem[];
  now: Date;
  links: GitHubLinks;
  showRepository: boolean;
  caption: string;
  /** Fewer columns: repository and PR in one cell, no cost. */
  compact?: boolean;
}) {
  const compact = props.compact === true;
  return (
    <Table
      caption={props.caption}
      head={
        <>
          {props.showRepository && !compact ? <th scope="col">Repository</th> : null}
          <th scope="col">Pull request</th>
          <th scope="col">Result</th>
          <th scope="col">Findings</th>
          {compact ? null : (
            <th scope="col" class="num">
              Cost
            </th>
          )}
          <th scope="col" class={compact ? 'hide-sm' : undefined}>
            When
          </th>
        </>
      }
    >
      {props.reviews.map((r) => (
        <tr>
          {props.showRepository && !compact ? (
            <td>
              <a href={repositoryHref(r.repository)}>{r.repository}</a>
            </td>
          ) : null}
          <td>
            <a href={`/reviews/${encodeURIComponent(r.id)}`}>
              {r.details?.title ? `#${r.pullRequest} ${r.details.title}` : `#${r.pullRequest}`}
            </a>
            {compact && props.showRepository ? <span class="sub">{r.repository}</span> : null}
            {runLine(r) ? <span class="sub pr-meta">{runLine(r)}</span> : null}
          </td>
          <td>
            <ConclusionBadge conclusion={r.conclusion} status={r.status} />
          </td>
          <td>
            <Counts counts={r} />
          </td>
          {compact ? null : <td class="num">{formatCost(r.costUsd)}</td>}
          <td class={compact ? 'nowrap muted hide-sm' : 'nowrap muted'}>
            <Time at={r.createdAt} now={props.now} />
          </td>
        </tr>
      ))}
    </Table>
  );
}

export function OverviewPage(
  props: PageProps & {
    publicUrl: string;
    chart: ChartDay[];
    top: TopRepository[];
    latest: ReviewListItem[];
    totals: { count: number; costUsd: number; failures: number };
    trend: { days: TrendInput[]; from: Date };
  },
) {
  const findings30 = props.chart.reduce((n, d) => n + sumCounts(d), 0);
  const critical30 = props.chart.reduce((n, d) => n + d.critical, 0);
  const empty = props.latest.length === 0 && findings30 === 0;
  return (
    <Layout title="Overview" viewer={props.viewer} section="overview">
      <div class="page-head">
        <div>
          <h1>Overview</h1>
          <p>Reviews of the last 30 days for {props.viewer.accountName}.</p>
        </div>
      </div>
      {empty ? (
        <GetStarted publicUrl={props.publicUrl} isAdmin={props.viewer.isAdmin} />
      ) : (
        <>
          <dl class="stats">
            <Stat label="Reviews" value={formatNumber(props.totals.count)} />
            <Stat label="Findings" value={formatNumber(findings30)} />
            <Stat label="Critical" value={formatNumber(critical30)} />
            <Stat label="Failed checks" value={formatNumber(props.totals.failures)} />
            <Stat label="Model cost" value={formatCost(props.totals.costUsd)} />
          </dl>
          <section class="card" aria-labelledby="chart-head">
            <h2 id="chart-head">
              Findings by severity <span class="card-sub">last 30 days</span>
            </h2>
            <SeverityChart
              id="overview-chart"
              title="Findings per day by severity, last 30 days"
              days={props.chart}
            />
          </section>
          <Trends
            id="overview-trends"
            scope={`All repositories of ${props.viewer.accountName}`}
            weeks={weeklyTrends(props.trend.days, props.trend.from, props.now)}
            days={props.trend.days}
          />
          <div class="grid grid-side">
            <section class="card" aria-labelledby="top-head">
              <h2 id="top-head">Top repositories</h2>
              {props.top.length === 0 ? (
                <p class="muted">No findings in the last 30 days.</p>
              ) : (
                <Table
                  caption="Repositories with the most findings, last 30 days"
                  head={
                    <>
                      <th scope="col">Repository</th>
                      <th scope="col" class="num hide-sm">
                        Reviews
                      </th>
                      <th scope="col">Findings</th>
                    </>
                  }
                >
                  {props.top.map((r) => (
                    <tr>
                      <td>
                        <a href={repositoryHref(r.fullName)}>{r.fullName}</a>
                      </td>
                      <td class="num hide-sm">{formatNumber(r.reviews)}</td>
                      <td>
                        <Counts counts={r} />
                      </td>
                    </tr>
                  ))}
                </Table>
              )}
            </section>
            <section class="card" aria-labelledby="latest-head">
              <h2 id="latest-head">Latest reviews</h2>
              {props.latest.length === 0 ? (
                <p class="muted">No reviews in the last 30 days.</p>
              ) : (
                <ReviewsTable
                  reviews={props.latest.slice(0, 8)}
                  now={props.now}
                  links={props.links}
                  showRepository
                  compact
                  caption="Latest reviews"
                />
              )}
            </section>
          </div>
        </>
      )}
    </Layout>
  );
}
