import {
  ColumnHeads,
  ConclusionBadge,
  Counts,
  EVENT_LABEL,
  formatCost,
  formatNumber,
  SeverityBadge,
  StateBadge,
  Table,
  Time,
} from '../components.js';
import { Layout, type PageProps } from '../layout.js';
import { repositoryHref, runLine, type ReviewListItem } from './overview.js';
import { stateLine, type FindingView } from './review.js';

/** One run of the pull request, with its findings. */
export interface PullRequestRun {
  review: ReviewListItem & { headSha: string; fixed: number; dismissed: number };
  findings: (FindingView & { fingerprint: string })[];
}

/** A finding followed across the runs: when it appeared, and where it stands at the last run that listed it. */
export interface FindingHistory {
  fingerprint: string;
  title: string;
  path: string;
  line: number;
  severity: string;
  state: string;
  appeared: Date;
  /** When it was fixed or dismissed (the first run that said so). */
  closed?: Date;
  dismissal?: { by?: string; reason?: string } | undefined;
}

/** Each finding of the runs, oldest runs first: when it appeared, and its latest state. */
export function findingHistory(runs: readonly PullRequestRun[]): FindingHistory[] {
  const byFp = new Map<string, FindingHistory>();
  for (const { review, findings } of runs) {
    for (const f of findings) {
      const known = byFp.get(f.fingerprint);
      const closing = f.state === 'fixed' || f.state === 'dismissed';
      if (!known) {
        byFp.set(f.fingerprint, {
          fingerprint: f.fingerprint,
          title: f.title,
          path: f.path,
          line: f.line,
          severity: f.severity,
          state: f.state,
          appeared: review.createdAt,
          ...(closing ? { closed: review.createdAt } : {}),
          dismissal: f.dismissal,
        });
        continue;
      }
      const wasClosed = known.state === 'fixed' || known.state === 'dismissed';
      Object.assign(known, { state: f.state, line: f.line, title: f.title, dismissal: f.dismissal });
      if (closing && !wasClosed) known.closed = review.createdAt;
      if (!closing) delete known.closed;
    }
  }
  return [...byFp.values()];
}

export function PullRequestPage(
  props: PageProps & {
    repository: string;
    pullRequest: number;
    runs: PullRequestRun[];
    /** diffray's answers to questions in the PR's threads: their cost is part of the PR's. */
    answers: { count: number; costUsd: number };
  },
) {
  const { runs, links, answers } = props;
  const last = runs.at(-1)?.review;
  const title = last?.details?.title;
  const total = runs.reduce((sum, r) => sum + r.review.costUsd, 0) + answers.costUsd;
  const answered =
    answers.count === 0
      ? ''
      : ` and ${answers.count} answer${answers.count === 1 ? '' : 's'} (${formatCost(answers.costUsd)})`;
  const history = findingHistory(runs);
  const meta = last ? runLine({ details: last.details, event: undefined }) : '';
  return (
    <Layout title={`${props.repository} #${props.pullRequest}`} viewer={props.viewer} section="overview">
      <div class="page-head">
        <div>
          <p class="breadcrumb">
            <a href="/">Overview</a> / <a href={repositoryHref(props.repository)}>{props.repository}</a>
          </p>
          <h1>{title ? `#${props.pullRequest} ${title}` : `Pull request #${props.pullRequest}`}</h1>
          {meta ? <p class="pr-meta">{meta}</p> : null}
          <p>
            {`${runs.length} run${runs.length === 1 ? '' : 's'}${answered} in the last 30 days · total cost ${formatCost(total)}`}
          </p>
        </div>
        <a
          class="btn"
          href={links.pullRequest(props.repository, props.pullRequest)}
          rel="noopener noreferrer"
        >
          View pull request on GitHub<span aria-hidden="true"> ↗</span>
        </a>
      </div>

      <section class="card" aria-labelledby="runs-head">
        <h2 id="runs-head">Runs, oldest first</h2>
        <Table
          caption="Every run of this pull request"
          head={
            <ColumnHeads
              text={['When', 'Head', 'Event', 'Result', 'Open']}
              numeric={['Fixed', 'Dismissed', 'Cost']}
            />
          }
        >
          {runs.map(({ review: r }) => (
            <tr>
              <td class="nowrap">
                <a href={`/reviews/${encodeURIComponent(r.id)}`}>
                  <Time at={r.createdAt} now={props.now} />
                </a>
              </td>
              <td class="mono">{r.headSha.slice(0, 7)}</td>
              <td>{r.event ? (EVENT_LABEL[r.event] ?? r.event) : '—'}</td>
              <td>
                <ConclusionBadge conclusion={r.conclusion} status={r.status} />
              </td>
              <td>
                <Counts counts={r} />
              </td>
              <td class="num">{formatNumber(r.fixed)}</td>
              <td class="num">{formatNumber(r.dismissed)}</td>
              <td class="num">{formatCost(r.costUsd)}</td>
            </tr>
          ))}
        </Table>
      </section>

      <section class="card" aria-labelledby="history-head">
        <h2 id="history-head">Findings across runs</h2>
        {history.length === 0 ? (
          <p>No run of this pull request raised a finding.</p>
        ) : (
          <Table
            caption="Each finding: when it appeared, and where it stands now"
            head={
              <>
                <th scope="col">Finding</th>
                <th scope="col">Severity</th>
                <th scope="col">Where</th>
                <th scope="col">Appeared</th>
                <th scope="col">Now</th>
                <th scope="col">Since</th>
              </>
            }
          >
            {history.map((f) => (
              <tr>
                <td>
                  {f.title}
                  {f.state === 'dismissed' && (f.dismissal?.by || f.dismissal?.reason) ? (
                    <span class="sub pr-meta">{stateLine({ ...f, firstSeen: null })}</span>
                  ) : null}
                </td>
                <td>
                  <SeverityBadge severity={f.severity} />
                </td>
                <td class="mono">{`${f.path}:${f.line}`}</td>
                <td class="nowrap">
                  <Time at={f.appeared} now={props.now} />
                </td>
                <td>
                  <StateBadge state={f.state} />
                </td>
                <td class="nowrap">{f.closed ? <Time at={f.closed} now={props.now} /> : '—'}</td>
              </tr>
            ))}
          </Table>
        )}
      </section>
    </Layout>
  );
}
