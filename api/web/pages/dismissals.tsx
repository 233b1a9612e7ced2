/**
 * Dismissals that teach: the findings people dismissed in pull requests, the account's or one
 * repository's, each with who, when, the finding and the reason (people's words: plain text, never
 * markup), and for admins the way to turn one into an instruction of the repository's hosted config (after
 * a preview of the entry and of the config it saves) or to decline it. Beside them, per category, how many
 * findings were fixed and how many dismissed: where dismissals concentrate, a category is noise.
 */
import { ColumnHeads, formatNumber, NoticeText, Table, Time } from '../components.js';
import { CsrfField, Layout, type PageProps } from '../layout.js';
import { pullRequestHref, repositoryHref } from './overview.js';
import { ActionsHeader, RowButton } from './settings-parts.js';

export interface DismissalItem {
  id: string;
  repository: string;
  pullRequest: number;
  category: string;
  severity: string | null;
  title: string;
  pathPattern: string;
  reason: string;
  by: string | null;
  createdAt: Date;
  decision: 'pending' | 'accepted' | 'declined';
  /** When it was accepted or declined. */
  decidedAt: Date | null;
}

export interface CategoryCounts {
  category: string;
  introduced: number;
  fixed: number;
  dismissed: number;
}

export const DISMISSALS_NOTICES = {
  accepted: { kind: 'ok', text: "Saved: the instruction is in the repository's hosted config." },
  declined: { kind: 'ok', text: 'Declined: the dismissal stays listed and teaches nothing.' },
  decided: { kind: 'warn', text: 'That dismissal was already decided; nothing changed.' },
} as const;
export type DismissalsNotice = keyof typeof DISMISSALS_NOTICES;

/** The address of the list, the account's or one repository's. */
export function dismissalsHref(repository?: string): string {
  return repository === undefined
    ? '/dismissals'
    : `/dismissals?repository=${encodeURIComponent(repository)}`;
}

/** "60%" of the findings of a category that ended dismissed rather than fixed; a dash when none ended. */
function dismissedShare(c: CategoryCounts): string {
  const ended = c.fixed + c.dismissed;
  return ended === 0 ? '–' : `${Math.round((c.dismissed / ended) * 100)}%`;
}

function CategoryTable(props: { outcomes: CategoryCounts[]; scope: string; since: string }) {
  const rows = [...props.outcomes]
    .filter((c) => c.introduced + c.fixed + c.dismissed > 0)
    .sort((a, b) => b.dismissed - a.dismissed || b.fixed - a.fixed);
  return (
    <section class="card" aria-labelledby="categories-head">
      <h2 id="categories-head">
        Dismissed versus fixed, by category <span class="card-sub">{`since ${props.since}`}</span>
      </h2>
      {rows.length === 0 ? (
        <p>No finding of {props.scope} was raised, fixed or dismissed in that time.</p>
      ) : (
        <Table
          caption={`Findings of ${props.scope} raised, fixed and dismissed per category`}
          head={
            <ColumnHeads
              text={['Category']}
              numeric={['Raised', 'Fixed', 'Dismissed', 'Dismissed of those closed']}
            />
          }
        >
          {rows.map((c) => (
            <tr>
              <th scope="row">{c.category}</th>
              <td class="num">{formatNumber(c.introduced)}</td>
              <td class="num">{formatNumber(c.fixed)}</td>
              <td class="num">{formatNumber(c.dismissed)}</td>
              <td class="num">{dismissedShare(c)}</td>
            </tr>
          ))}
        </Table>
      )}
    </section>
  );
}

function DecisionText(props: { d: DismissalItem; now: Date }) {
  const { d } = props;
  if (d.decision === 'pending') return <>waiting</>;
  return (
    <>
      {d.decision === 'accepted' ? 'accepted ' : 'declined '}
      {d.decidedAt ? <Time at={d.decidedAt} now={props.now} /> : null}
    </>
  );
}

export function DismissalsPage(
  props: PageProps & {
    repository: string | undefined;
    rows: DismissalItem[];
    outcomes: CategoryCounts[];
    /** The first day the category counts cover (`YYYY-MM-DD`). */
    since: string;
    notice: DismissalsNotice | undefined;
  },
) {
  const { repository, rows, viewer, now } = props;
  const scope = repository ?? 'this account';
  const notice = props.notice ? DISMISSALS_NOTICES[props.notice] : undefined;
  return (
    <Layout
      title={repository ? `Dismissals of ${repository}` : 'Dismissals'}
      viewer={viewer}
      section="dismissals"
    >
      <div class="page-head">
        <div>
          <p class="breadcrumb">
            <a href="/">Overview</a> /{' '}
            {repository ? <a href={repositoryHref(repository)}>{repository}</a> : 'account'}
          </p>
          <h1>Dismissals</h1>
          <p>
            Findings people dismissed in pull requests (<code>@diffray dismiss</code>) in the last 30 days,
            newest first.
            {viewer.isAdmin
              ? ' Accepting one adds an instruction to the repository’s hosted config, so the next reviews stop raising such findings; you see the entry before it is saved.'
              : ' Admins can turn one into an instruction for the next reviews.'}
          </p>
        </div>
        {repository ? (
          <a class="btn" href={dismissalsHref()}>
            All repositories
          </a>
        ) : null}
      </div>
      <NoticeText kind={notice?.kind ?? 'ok'} text={notice?.text} />
      <CategoryTable outcomes={props.outcomes} scope={scope} since={props.since} />
      <section class="card" aria-labelledby="dismissals-head">
        <h2 id="dismissals-head">{`Dismissed findings (${formatNumber(rows.length)})`}</h2>
        {rows.length === 0 ? (
          <p>No finding of {scope} was dismissed with diffray in the last 30 days.</p>
        ) : (
          <Table
            caption={`Findings dismissed in ${scope}`}
            head={
              <>
                <th scope="col">When</th>
                <th scope="col">Where</th>
                <th scope="col">Finding</th>
                <th scope="col">By</th>
                <th scope="col">Reason</th>
                <th scope="col">State</th>
                {viewer.isAdmin ? <ActionsHeader /> : null}
              </>
            }
          >
            {rows.map((d) => (
              <tr>
                <td>
                  <Time at={d.createdAt} now={now} />
                </td>
                <td>
                  <a href={dismissalsHref(d.repository)}>{d.repository}</a>{' '}
                  <a href={pullRequestHref(d.repository, d.pullRequest)}>{`#${d.pullRequest}`}</a>
                  <br />
                  <code>{d.pathPattern}</code>
                </td>
                <td>
                  {d.title === '' ? <em>untitled</em> : d.title}
                  <br />
                  <span class="card-sub">{d.severity ? `${d.category} · ${d.severity}` : d.category}</span>
                </td>
                <td>{d.by ? `@${d.by}` : '–'}</td>
                <td>{d.reason === '' ? <em>no reason given</em> : d.reason}</td>
                <td>
                  <DecisionText d={d} now={now} />
                </td>
                {viewer.isAdmin ? (
                  <td class="row-actions">
                    {d.decision === 'accepted' ? null : (
                      <a
                        class="btn btn-primary btn-small"
                        href={`/settings/dismissals/${encodeURIComponent(d.id)}`}
                        aria-label={`Accept the dismissal of “${d.title}” in ${d.repository} #${d.pullRequest}: preview`}
                      >
                        Accept…
                      </a>
                    )}
                    {d.decision === 'pending' ? (
                      <RowButton
                        action={`/settings/dismissals/${encodeURIComponent(d.id)}/decline`}
                        csrf={viewer.csrf}
                        label={`Decline the dismissal of “${d.title}” in ${d.repository} #${d.pullRequest}`}
                        text="Decline"
                      />
                    ) : null}
                  </td>
                ) : null}
              </tr>
            ))}
          </Table>
        )}
      </section>
    </Layout>
  );
}

/** What accepting one dismissal saves, shown before it is: the entry, and the config as it would be. */
export function DismissalPreviewPage(
  props: PageProps & {
    dismissal: DismissalItem;
    instruction: { paths: string[]; text: string };
    yaml: string;
    /** Why the config would be refused; empty when it would be saved. */
    issues: string[];
  },
) {
  const { dismissal: d, instruction, viewer } = props;
  const refused = props.issues.length > 0;
  return (
    <Layout title="Accept a dismissal" viewer={viewer} section="dismissals">
      <div class="page-head">
        <div>
          <p class="breadcrumb">
            <a href={dismissalsHref()}>Dismissals</a> /{' '}
            <a href={dismissalsHref(d.repository)}>{d.repository}</a>
          </p>
          <h1>Accept a dismissal</h1>
          <p>
            {`${d.by ? `@${d.by}` : 'Someone'} dismissed “${d.title || 'untitled'}” (${d.category}) in `}
            <a href={pullRequestHref(d.repository, d.pullRequest)}>{`#${d.pullRequest}`}</a>
            {d.reason === '' ? ', giving no reason.' : `: “${d.reason}”`}
          </p>
        </div>
      </div>
      <section class="card" aria-labelledby="entry-head">
        <h2 id="entry-head">The instruction it adds</h2>
        <p>
          The next reviews of files matching{' '}
          {instruction.paths.map((p) => (
            <code>{p}</code>
          ))}{' '}
          in {d.repository} receive this instruction, like every instruction of the config:
        </p>
        <blockquote>{instruction.text}</blockquote>
        <h3>The repository’s hosted config once saved</h3>
        <pre>
          <code>{props.yaml}</code>
        </pre>
      </section>
      {refused ? (
        <NoticeText
          kind="error"
          text={`The config would be invalid, so nothing can be saved until the repository's config is fixed: ${props.issues.join('; ')}`}
        />
      ) : null}
      <div class="actions">
        {refused ? null : (
          <form
            method="post"
            action={`/settings/dismissals/${encodeURIComponent(d.id)}/accept`}
            class="inline"
          >
            <CsrfField token={viewer.csrf} />
            <button type="submit" class="btn btn-primary">
              Save to the config
            </button>
          </form>
        )}
        {d.decision === 'pending' ? (
          <form
            method="post"
            action={`/settings/dismissals/${encodeURIComponent(d.id)}/decline`}
            class="inline"
          >
            <CsrfField token={viewer.csrf} />
            <button type="submit" class="btn">
              Decline
            </button>
          </form>
        ) : null}
        <a class="btn" href={dismissalsHref(d.repository)}>
          Cancel
        </a>
      </div>
    </Layout>
  );
}
