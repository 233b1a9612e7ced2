import { SeverityChart, type ChartDay } from '../chart.js';
import { formatCost, formatNumber, Notice, Stat, sumCounts } from '../components.js';
import { Layout, type PageProps } from '../layout.js';
import { Trends, weeklyTrends, type TrendInput } from '../trends.js';
import { dismissalsHref } from './dismissals.js';
import { ReviewsTable, type ReviewListItem } from './overview.js';

export function RepositoryPage(
  props: PageProps & {
    fullName: string;
    /** Reviewed under the account's hosted config (not `enabled: false`). */
    enabled: boolean;
    reviews: ReviewListItem[];
    nextCursor: string | undefined;
    trend: ChartDay[];
    trendFrom: string;
    totals: { count: number; costUsd: number; failures: number };
    weekly: { days: TrendInput[]; from: Date };
  },
) {
  const { fullName } = props;
  const trendTotal = props.trend.reduce((n, d) => n + sumCounts(d), 0);
  return (
    <Layout title={fullName} viewer={props.viewer} section="overview">
      <div class="page-head">
        <div>
          <p class="breadcrumb">
            <a href="/">Overview</a> / repository
          </p>
          <h1>{fullName}</h1>
          <p>
            <a href={props.links.repository(fullName)} rel="noopener noreferrer">
              Open on GitHub<span aria-hidden="true"> ↗</span>
            </a>
            {' · '}
            <a href={dismissalsHref(fullName)}>Dismissals</a>
          </p>
        </div>
        {props.viewer.isAdmin ? (
          <a class="btn" href={`/settings/config?repository=${encodeURIComponent(fullName)}`}>
            Edit config
          </a>
        ) : null}
      </div>
      {props.enabled ? null : (
        <Notice kind="warn" title="Reviews are off for this repository">
          <p>
            The account’s hosted config disables it (<code>enabled: false</code>): each run of the action ends
            with a neutral “Disabled by the account” check and calls no model.
            {props.viewer.isAdmin ? ' Turn it back on in Settings → Config.' : ''}
          </p>
        </Notice>
      )}
      <dl class="stats">
        <Stat label="Reviews (30 days)" value={formatNumber(props.totals.count)} />
        <Stat label="Failed checks" value={formatNumber(props.totals.failures)} />
        <Stat label="Model cost" value={formatCost(props.totals.costUsd)} />
        <Stat label="Findings in trend" value={formatNumber(trendTotal)} />
      </dl>
      <section class="card" aria-labelledby="trend-head">
        <h2 id="trend-head">
          Findings per severity <span class="card-sub">{`since ${props.trendFrom}`}</span>
        </h2>
        <SeverityChart
          id="repo-trend"
          title={`Findings per day by severity for ${fullName}`}
          days={props.trend}
        />
      </section>
      <Trends
        id="repo-trends"
        scope={fullName}
        weeks={weeklyTrends(props.weekly.days, props.weekly.from, props.now)}
        days={props.weekly.days}
      />
      <section class="card" aria-labelledby="reviews-head">
        <h2 id="reviews-head">Reviews</h2>
        {props.reviews.length === 0 ? (
          <p class="muted">
            No reviews in the last 30 days. Older reviews are purged; the trend above keeps the counts.
          </p>
        ) : (
          <ReviewsTable
            reviews={props.reviews}
            now={props.now}
            links={props.links}
            showRepository={false}
            caption={`Reviews of ${fullName}`}
          />
        )}
        {props.nextCursor ? (
          <p class="actions">
            <a class="btn btn-small" href={`?after=${encodeURIComponent(props.nextCursor)}`}>
              Older reviews
            </a>
          </p>
        ) : null}
      </section>
    </Layout>
  );
}
