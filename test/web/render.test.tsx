import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sweepSharedState } from '../../api/db/index.js';
import { openFreshDatabase } from '../api/helpers.js';
import { OAuthError, pkceChallenge, githubHostFor } from '../../api/auth/oauth.js';
import { safeNext, UsedStates } from '../../api/auth/oauth-state.js';
import { signSession, verifySessionToken } from '../../api/auth/session-token.js';
import { daysBetween, fillDays, niceMax, SeverityChart } from '../../api/web/chart.js';
import { GitHubLinks, relativeTime, UntrustedText } from '../../api/web/components.js';

describe('the severity chart', () => {
  it('lists every UTC day between two dates', () => {
    expect(daysBetween(new Date('2025-02-27T23:00:00Z'), new Date('2025-03-02T01:00:00Z'))).toEqual([
      '2025-02-27',
      '2025-02-28',
      '2025-03-01',
      '2025-03-02',
    ]);
  });

  it('fills missing days with zeros and picks a round axis maximum', () => {
    const filled = fillDays(
      ['2025-01-01', '2025-01-02'],
      [{ day: '2025-01-02', critical: 1, high: 0, medium: 2, low: 0 }],
    );
    expect(filled[0]).toEqual({ day: '2025-01-01', critical: 0, high: 0, medium: 0, low: 0 });
    expect([niceMax(0), niceMax(3), niceMax(7), niceMax(11), niceMax(230)]).toEqual([4, 4, 10, 20, 250]);
  });

  it('draws one stacked bar per day with severity classes, no inline style, and a data table', () => {
    const html = String(
      <SeverityChart
        id="c"
        title="Findings"
        days={[
          { day: '2025-01-01', critical: 1, high: 2, medium: 0, low: 3 },
          { day: '2025-01-02', critical: 0, high: 0, medium: 0, low: 0 },
        ]}
      />,
    );
    expect(html.match(/class="sev-fill-critical"/g)).toHaveLength(1);
    expect(html.match(/class="sev-fill-high"/g)).toHaveLength(1);
    expect(html.match(/class="sev-fill-medium"/g)).toBeNull();
    expect(html.match(/class="sev-fill-low"/g)).toHaveLength(1);
    expect(html.match(/class="chart-bar"/g)).toHaveLength(2);
    expect(html).not.toMatch(/style=/);
    expect(html).toContain('<title>2025-01-01: 6 findings (1 critical, 2 high, 0 medium, 3 low)</title>');
    expect(html).toContain('<th scope="row">2025-01-01</th>');
    expect(html).not.toContain('<th scope="row">2025-01-02</th>');
  });
});

describe('untrusted text', () => {
  const links = new GitHubLinks('https://github.com');
  const render = (text: string) => String(<p>{UntrustedText({ text, links })}</p>);

  it('escapes HTML and leaves markdown links and images as text', () => {
    const html = render(
      '<img src=x onerror=alert(1)> [a](javascript:alert(1)) ![i](https://evil.example/i.png)',
    );
    expect(html).toBe(
      '<p>&lt;img src=x onerror=alert(1)&gt; [a](javascript:alert(1)) ![i](https://evil.example/i.png)</p>',
    );
  });

  it('links URLs on the GitHub host only, and renders backtick spans as code', () => {
    const html = render('See https://github.com/o/r/pull/1. Not https://github.com.evil.example/x or `a<b`');
    expect(html).toContain('<a href="https://github.com/o/r/pull/1" rel="noopener noreferrer nofollow">');
    expect(html).toContain('</a>. Not https://github.com.evil.example/x');
    expect(html).toContain('<code>a&lt;b</code>');
  });

  it('builds PR and line links on the configured host with encoded paths', () => {
    const ghes = new GitHubLinks('https://ghe.example.com');
    expect(ghes.pullRequest('o/r', 5)).toBe('https://ghe.example.com/o/r/pull/5');
    expect(ghes.lines('o/r', 'a'.repeat(40), 'dir/my file#1.ts', 3, 9)).toBe(
      `https://ghe.example.com/o/r/blob/${'a'.repeat(40)}/dir/my%20file%231.ts#L3-L9`,
    );
    expect(ghes.lines('o/r', 'a'.repeat(40), 'x.ts', null, 9)).toMatch(/#L9$/);
  });

  it('says how long ago', () => {
    const now = new Date('2025-01-10T12:00:00Z');
    expect(relativeTime(new Date('2025-01-10T11:59:50Z'), now)).toBe('just now');
    expect(relativeTime(new Date('2025-01-10T11:00:00Z'), now)).toBe('1 hour ago');
    expect(relativeTime(new Date('2025-01-07T12:00:00Z'), now)).toBe('3 days ago');
  });
});

describe('auth helpers', () => {
  const secret = 'x'.repeat(16) + 'abcdefghijklmnopqrstuvwxyz';
  const issuer = 'http://localhost:8787';

  it('verifies session tokens against the injected clock', async () => {
    const now = new Date('2030-01-01T00:00:00Z');
    const token = await signSession({ sid: 's', acc: 'a', sv: 1 }, { secret, issuer, now });
    expect(await verifySessionToken(token, { secret, issuer, now })).toMatchObject({
      sid: 's',
      acc: 'a',
      sv: 1,
    });
    const later = new Date(now.getTime() + 12 * 3_600_000);
    expect(await verifySessionToken(token, { secret, issuer, now: later })).toBeUndefined();
    expect(await verifySessionToken(token, { secret, issuer: 'https://other', now })).toBeUndefined();
    expect(await verifySessionToken('not.a.token', { secret, issuer, now })).toBeUndefined();
  });

  it('computes the RFC 7636 S256 challenge', () => {
    // Appendix B of RFC 7636.
    expect(pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });

  it('derives the API URL for github.com and GHES', () => {
    expect(githubHostFor('https://github.com/').apiUrl).toBe('https://api.github.com');
    expect(githubHostFor('https://ghe.example.com').apiUrl).toBe('https://ghe.example.com/api/v3');
    expect(new OAuthError('x').message).toContain('x');
  });

  it('accepts each state once, across instances of one database, until the purge forgets it expired', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'diffray-states-'));
    const db = (await openFreshDatabase(dir)).db;
    try {
      // Two instances: two UsedStates on one database.
      const [one, two] = [new UsedStates(db), new UsedStates(db)];
      expect(await one.consume('s1', 200)).toBe(true);
      expect(await two.consume('s1', 200)).toBe(false);
      expect(await one.consume('s1', 200)).toBe(false);
      // The cookie has expired too by then: the purge's sweep forgets it.
      await sweepSharedState(db, new Date(0), new Date(250_000));
      expect(await two.consume('s1', 400)).toBe(true);
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps post-sign-in redirects local', () => {
    for (const bad of [
      '//evil.example',
      'https://evil.example',
      '/\\evil.example',
      'settings',
      '/a\nb',
      42,
    ]) {
      expect(safeNext(bad)).toBe('/');
    }
    expect(safeNext('/reviews/1?severity=high')).toBe('/reviews/1?severity=high');
  });
});
