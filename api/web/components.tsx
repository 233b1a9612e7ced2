import type { Child } from 'hono/jsx';
import { SEVERITIES, type SeverityCounts } from '../../shared/severity.js';

/** Builds links to the configured GitHub host only: every URL on the page that leaves it comes from here. */
export class GitHubLinks {
  readonly origin: string;
  constructor(private readonly webUrl: string) {
    this.origin = new URL(webUrl).origin;
  }

  private repoPath(fullName: string): string {
    return fullName.split('/').map(encodeURIComponent).join('/');
  }

  repository(fullName: string): string {
    return `${this.webUrl}/${this.repoPath(fullName)}`;
  }

  pullRequest(fullName: string, number: number): string {
    return `${this.repository(fullName)}/pull/${Math.trunc(number)}`;
  }

  /** `/blob/<headSha>/<path>#L<start>-L<end>`: the lines at the reviewed commit. */
  lines(fullName: string, headSha: string, path: string, start: number | null, end: number): string {
    const sha = /^[a-f0-9]{40,64}$/.test(headSha) ? headSha : 'HEAD';
    const file = path.split('/').map(encodeURIComponent).join('/');
    const anchor = start !== null && start < end ? `#L${start}-L${end}` : `#L${end}`;
    return `${this.repository(fullName)}/blob/${sha}/${file}${anchor}`;
  }

  /** True for an http(s) URL on the configured GitHub host (the only links model text may carry). */
  allows(candidate: string): boolean {
    try {
      const url = new URL(candidate);
      return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === this.origin;
    } catch {
      return false;
    }
  }
}

/** One figure in a stats row (`<dl class="stats">`). */
export function Stat(props: { label: string; value: string }) {
  return (
    <div class="stat">
      <dt>{props.label}</dt>
      <dd>{props.value}</dd>
    </div>
  );
}

export function SeverityBadge(props: { severity: string }) {
  const s = (SEVERITIES as readonly string[]).includes(props.severity) ? props.severity : 'low';
  return <span class={`badge sev-${s}`}>{props.severity}</span>;
}

const CONCLUSION_LABEL: Record<string, string> = { success: 'passed', failure: 'failed', neutral: 'neutral' };

/**
 * The check's verdict and how much of the review ran, as one state: "failed" (findings block the PR),
 * "partial review" or "failed, partial review", "review failed" (its requests failed), "skipped".
 */
export function resultLabel(conclusion: string, status: string | undefined): string {
  const verdict = CONCLUSION_LABEL[conclusion] ?? 'neutral';
  switch (status) {
    case 'failed':
      return conclusion === 'failure' ? 'failed, review incomplete' : 'review failed';
    case 'partial':
      return conclusion === 'failure' ? 'failed, partial review' : 'partial review';
    case 'skipped':
      return 'skipped';
    default:
      return verdict;
  }
}

export function ConclusionBadge(props: { conclusion: string; status?: string }) {
  const c = props.conclusion in CONCLUSION_LABEL ? props.conclusion : 'neutral';
  return <span class={`badge concl-${c}`}>{resultLabel(c, props.status)}</span>;
}

const SHORT_SEVERITY: Record<string, string> = { critical: 'crit', high: 'high', medium: 'med', low: 'low' };

/** Four small counters, critical to low, each with its word, greyed when zero. */
export function Counts(props: { counts: SeverityCounts }) {
  return (
    <span class="counts">
      {SEVERITIES.map((s) => (
        <span class={`count ${props.counts[s] > 0 ? `sev-${s}` : 'zero'}`} title={`${props.counts[s]} ${s}`}>
          {String(props.counts[s])}
          <span class="count-word" aria-hidden="true">{` ${SHORT_SEVERITY[s]}`}</span>
          <span class="visually-hidden">{` ${s}`}</span>
        </span>
      ))}
    </span>
  );
}

/** What started a run, as the pages name it. */
export const EVENT_LABEL: Record<string, string> = {
  push: 'push',
  command: 'command',
  're-run': 're-run',
  other: 'pull request activity',
};

const STATE_LABEL: Record<string, string> = {
  new: 'new',
  open: 'still open',
  fixed: 'fixed',
  dismissed: 'dismissed',
};

/** A finding's state at a head, in words. */
export function StateBadge(props: { state: string }) {
  const state = props.state in STATE_LABEL ? props.state : 'new';
  return <span class={`badge state-${state}`}>{STATE_LABEL[state]}</span>;
}

export function sumCounts(c: SeverityCounts): number {
  return c.critical + c.high + c.medium + c.low;
}

export function formatCost(usd: number): string {
  if (usd === 0) return '$0.00';
  if (usd < 0.01) return `$${usd.toFixed(4)}`;
  return `$${usd.toFixed(2)}`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** Built once: constructing an `Intl.NumberFormat` costs far more than formatting with one. */
const NUMBER_FORMAT = new Intl.NumberFormat('en-US');

export function formatNumber(n: number): string {
  return NUMBER_FORMAT.format(n);
}

export function formatUtc(d: Date): string {
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** "5 minutes ago" relative to the injected clock. */
export function relativeTime(d: Date, now: Date): string {
  const s = Math.round((now.getTime() - d.getTime()) / 1000);
  if (s < 45) return 'just now';
  const units: [number, string][] = [
    [60, 'minute'],
    [3600, 'hour'],
    [86_400, 'day'],
  ];
  let chosen: [number, string] = units[0]!;
  for (const u of units) if (s >= u[0]) chosen = u;
  const n = Math.max(1, Math.round(s / chosen[0]));
  return `${n} ${chosen[1]}${n === 1 ? '' : 's'} ago`;
}

export function Time(props: { at: Date; now: Date }) {
  return (
    <time datetime={props.at.toISOString()} title={formatUtc(props.at)}>
      {relativeTime(props.at, props.now)}
    </time>
  );
}

export function Notice(props: { kind: 'ok' | 'error' | 'warn'; children?: Child; title?: string }) {
  return (
    <div class={`notice notice-${props.kind}`} role={props.kind === 'error' ? 'alert' : 'status'}>
      {props.title ? <h2>{props.title}</h2> : null}
      {props.children}
    </div>
  );
}

/** A table that scrolls sideways on small screens, captioned for screen readers; `head` is the header row. */
export function Table(props: { caption: string; head: Child; children?: Child }) {
  return (
    <div class="table-wrap">
      <table>
        <caption class="visually-hidden">{props.caption}</caption>
        <thead>
          <tr>{props.head}</tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}

/** A table's column heads: the text columns, then the numeric ones (right-aligned, as their cells are). */
export function ColumnHeads(props: { text: readonly string[]; numeric?: readonly string[] }) {
  return (
    <>
      {props.text.map((label) => (
        <th scope="col">{label}</th>
      ))}
      {(props.numeric ?? []).map((label) => (
        <th scope="col" class="num">
          {label}
        </th>
      ))}
    </>
  );
}

/** A one-paragraph notice, or nothing when there is no text. */
export function NoticeText(props: { kind: 'ok' | 'error' | 'warn'; text: string | undefined }) {
  return props.text ? (
    <Notice kind={props.kind}>
      <p>{props.text}</p>
    </Notice>
  ) : null;
}

const URL_OR_CODE = /(`[^`\n]{1,300}`)|(https?:\/\/[^\s<>"'`)\]]+)/g;

/**
 * Untrusted model prose as text: JSX escapes every character, nothing is interpreted as HTML or markdown.
 * The only markup added is `code` for backtick spans and links for URLs on the configured GitHub host;
 * every other URL (and any `javascript:` or image syntax) stays plain text.
 */
export function UntrustedText(props: { text: string; links: GitHubLinks }) {
  const parts: Child[] = [];
  let last = 0;
  for (const m of props.text.matchAll(URL_OR_CODE)) {
    const at = m.index;
    if (at > last) parts.push(props.text.slice(last, at));
    if (m[1] !== undefined) {
      parts.push(<code>{m[1].slice(1, -1)}</code>);
    } else {
      const url = m[2]!.replace(/[.,;:!?]+$/, '');
      if (props.links.allows(url)) {
        parts.push(
          <a href={new URL(url).toString()} rel="noopener noreferrer nofollow">
            {url}
          </a>,
        );
      } else {
        parts.push(url);
      }
      const trailing = m[2]!.slice(url.length);
      if (trailing) parts.push(trailing);
    }
    last = at + m[0].length;
  }
  if (last < props.text.length) parts.push(props.text.slice(last));
  return <>{parts}</>;
}

/**
 * The workflow a newcomer copies into `.github/workflows/diffray.yml`: the README's (a shallow checkout
 * without persisted credentials, one run per PR at a time), reporting to this API.
 */
export function workflowSnippet(publicUrl: string): string {
  return `name: diffray
on:
  pull_request:
    types: [opened, synchronize, reopened, ready_for_review]

permissions:
  contents: read
  pull-requests: write
  checks: write

concurrency:
  group: diffray-\${{ github.event.pull_request.number }}
  cancel-in-progress: true

jobs:
  review:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
        with:
          persist-credentials: false
      - uses: diffray/action@v1
        with:
          anthropic-api-key: \${{ secrets.ANTHROPIC_API_KEY }}
          api-key: \${{ secrets.DIFFRAY_API_KEY }}
          api-url: ${publicUrl}
`;
}

/** True when GitHub's runners cannot reach `publicUrl` (a loopback or private address). */
export function unreachableFromRunners(publicUrl: string): boolean {
  const host = new URL(publicUrl).hostname;
  return (
    host === 'localhost' ||
    host === '[::1]' ||
    /^127\./.test(host) ||
    /^10\./.test(host) ||
    /^192\.168\./.test(host) ||
    /^172\.(1[6-9]|2\d|3[01])\./.test(host)
  );
}

/** The empty state: what to do to get the first review here. */
export function GetStarted(props: { publicUrl: string; isAdmin: boolean }) {
  return (
    <section class="card empty" aria-labelledby="get-started">
      <h2 id="get-started">No reviews yet</h2>
      <p class="empty-lead">Add diffray to a repository and its pull request reviews will show up here.</p>
      <ol class="steps">
        <li>
          Add your Anthropic API key as a repository secret named <code>ANTHROPIC_API_KEY</code>.
        </li>
        <li>
          {props.isAdmin ? (
            <>
              <a href="/settings#keys">Create an API key</a> for the action
            </>
          ) : (
            'Ask an admin for an API key'
          )}{' '}
          with the scopes <code>reviews:write</code> and <code>config:read</code>, and save it as the secret{' '}
          <code>DIFFRAY_API_KEY</code>.
        </li>
        <li>
          Commit this workflow as <code>.github/workflows/diffray.yml</code>:
        </li>
      </ol>
      <pre class="snippet" tabindex={0} aria-label="Workflow file">
        <code>{workflowSnippet(props.publicUrl)}</code>
      </pre>
      <p>
        {`The action sends its report from GitHub's runners, so this API must be reachable from them at ${props.publicUrl}.`}
        {unreachableFromRunners(props.publicUrl)
          ? ' This address is only reachable from this machine: set PUBLIC_URL to an address GitHub can reach (a public host or a tunnel) before you add the workflow.'
          : ''}
      </p>
      <p class="muted">
        The next pull request you open or update is reviewed, and its findings appear on this page.
      </p>
    </section>
  );
}
