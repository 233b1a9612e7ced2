// helpers first: it loads the API app, which extends zod for OpenAPI before the shared schemas load.
import { makeClock, makeFinding, makeReport, member, testConfig } from './helpers.js';
import { openFreshDatabase } from '../api/helpers.js';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { addMember, createAccount, insertKey, type DiffrayDb } from '../../api/db/index.js';
import { displayPrefix, generateKey, hashKey } from '../../api/auth/key-format.js';
import { pageOptions } from '../../api/web/index.js';
import type { ReviewReport } from '../../shared/report.js';
import type { ApiConfig } from '../../api/types.js';
import { FakeGitHubOAuth } from '../fakes/github-oauth.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(import.meta.dirname, '../../test-artifacts');
const HAS_CHROMIUM = existsSync(CHROMIUM);
if (!HAS_CHROMIUM) {
  console.warn(
    `browser tests skipped: ${CHROMIUM} is not installed (CI installs it with apt-get install chromium)`,
  );
}

interface AxeViolation {
  id: string;
  impact?: string | null;
  help: string;
  nodes: { target: string[] }[];
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const XSS_BODY =
  'Untrusted: <img src=x onerror=alert(1)> and [click me](javascript:alert(document.cookie)) and ![tracker](https://evil.example/pixel.png)';

describe.skipIf(!HAS_CHROMIUM)('the results page in a real browser', () => {
  const servers: ServerType[] = [];
  let db: DiffrayDb;
  let dir: string;
  let base = '';
  let browser: Browser;
  let context: BrowserContext;
  let adminKey = '';
  let xssReviewId = '';
  const dialogs: string[] = [];
  const requests: string[] = [];
  const cspViolations: string[] = [];
  const clock = makeClock(new Date());
  const gh = new FakeGitHubOAuth();
  let acmeId = '';

  async function postReview(report: ReviewReport): Promise<string> {
    const res = await fetch(`${base}/v1/reviews`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(report),
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: string }).id;
  }

  /** The app on `db` over HTTP: bound first so PUBLIC_URL can carry its port, the app attached right after. */
  async function startPages(config: Partial<ApiConfig> = {}): Promise<string> {
    const late: { app?: ReturnType<typeof createApp> } = {};
    const server = serve({ fetch: (req) => late.app!.fetch(req), hostname: '127.0.0.1', port: 0 });
    servers.push(server);
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const url = `http://localhost:${(server.address() as AddressInfo).port}`;
    late.app = createApp({
      db,
      clock,
      config: testConfig({ publicUrl: url, ...config }),
      log: () => {},
      ...pageOptions(),
    });
    return url;
  }

  async function shot(page: Page, name: string) {
    await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'diffray-browser-'));
    db = (await openFreshDatabase(dir)).db;
    base = await startPages();

    const account = await createAccount(db, 'Acme Corp', clock());
    acmeId = account.id;
    adminKey = generateKey();
    await insertKey(db, {
      accountId: account.id,
      hash: hashKey(adminKey),
      prefix: displayPrefix(adminKey),
      name: 'bootstrap',
      scopes: ['admin'],
      expiresAt: null,
      now: clock(),
    });

    // Three weeks of reviews across repositories, posted through the API as the action would.
    const now = clock().getTime();
    const repos = ['acme/widgets', 'acme/api-gateway', 'acme/docs'];
    const sev = ['critical', 'high', 'medium', 'low'] as const;
    const cats = ['security', 'correctness', 'performance', 'maintainability', 'testing', 'style'] as const;
    for (let d = 20; d >= 1; d -= 1) {
      if (d % 3 === 0) continue;
      clock.set(new Date(now - d * 86_400_000));
      const findings = Array.from({ length: (d * 7) % 6 }, (_, i) =>
        makeFinding({
          path: `src/module${i % 3}.ts`,
          line: 10 + i * 7,
          severity: sev[(d + i) % 4]!,
          category: cats[(d + i) % cats.length]!,
          title: `Finding ${i + 1} of day ${d}`,
        }),
      );
      await postReview(
        makeReport({
          repository: repos[Math.floor(d / 3) % 3]!,
          pullRequest: 100 + d,
          conclusion: findings.some((f) => f.severity === 'critical' || f.severity === 'high')
            ? 'failure'
            : 'success',
          costUsd: 0.02 + d / 100,
          findings,
        }),
      );
    }
    clock.set(new Date(now - 3_600_000));
    xssReviewId = await postReview(
      makeReport({
        repository: 'acme/widgets',
        pullRequest: 42,
        conclusion: 'failure',
        findings: [
          makeFinding({
            path: 'src/auth/session.ts',
            startLine: 40,
            line: 44,
            severity: 'critical',
            category: 'security',
            title: 'Session token accepted without checking its audience',
            body: 'The verifier checks the signature but not `aud`, so a token minted for another service is accepted. See https://github.com/acme/widgets/blob/main/SECURITY.md for the policy.',
          }),
          makeFinding({
            path: 'src/auth/session.ts',
            line: 71,
            severity: 'medium',
            category: 'reliability',
            title: 'Clock skew not tolerated',
            body: 'A token issued a second in the future is refused.',
          }),
          makeFinding({
            path: 'src/render.ts',
            line: 12,
            severity: 'high',
            category: 'security',
            title: '<img src=x onerror=alert(1)> in a title',
            body: XSS_BODY,
          }),
          makeFinding({
            path: 'README.md',
            line: 3,
            severity: 'low',
            category: 'documentation',
            title: 'Typo in the install section',
            body: '"recieve" should be "receive".',
          }),
        ],
      }),
    );
    clock.set(new Date(now));

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
      // launch() runs every browser in a fresh temporary user-data dir, removed on close.
    });
    context = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      permissions: ['clipboard-read', 'clipboard-write'],
    });
    context.on('page', (p) => watch(p));
  }, 120_000);

  function watch(page: Page) {
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('request', (r) => requests.push(r.url()));
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
  }

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    for (const server of servers) await new Promise<void>((resolve) => server.close(() => resolve()));
    await gh.close();
    await db?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('signs in with an API key, browses, filters, manages keys and signs out', async () => {
    const page = await context.newPage();

    await page.goto(`${base}/`);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await shot(page, '01-sign-in');

    // Keyboard: the first Tab lands on the skip link.
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent?.trim()')).toBe('Skip to content');

    await page.getByLabel('Sign in with an admin API key').fill(adminKey);
    await page.getByRole('button', { name: 'Sign in with key' }).click();
    await page.waitForURL(`${base}/`);
    await expect(page.getByRole('heading', { level: 1, name: 'Overview' }).isVisible()).resolves.toBe(true);
    expect(await page.locator('svg.chart-svg rect.sev-fill-critical').count()).toBeGreaterThan(0);
    await shot(page, '02-overview');

    await page.getByRole('link', { name: 'acme/widgets' }).first().click();
    await page.waitForURL(/\/repositories\/acme\/widgets$/);
    await shot(page, '03-repository');

    await page.goto(`${base}/reviews/${xssReviewId}`);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Pull request #42');
    const prLink = page.getByRole('link', { name: /View pull request on GitHub/ });
    expect(await prLink.getAttribute('href')).toBe('https://github.com/acme/widgets/pull/42');
    const lineLink = page.getByRole('link', { name: /src\/auth\/session\.ts, lines 40–44/ });
    expect(await lineLink.getAttribute('href')).toBe(
      `https://github.com/acme/widgets/blob/${'a'.repeat(40)}/src/auth/session.ts#L40-L44`,
    );
    await shot(page, '04-review');

    // Model text is inert: shown as text, no element, no dialog, no request.
    await expect(page.getByText('<img src=x onerror=alert(1)> in a title').isVisible()).resolves.toBe(true);
    await expect(page.getByText(XSS_BODY).isVisible()).resolves.toBe(true);
    expect(await page.locator('main img').count()).toBe(0);
    expect(await page.locator('a[href^="javascript:"]').count()).toBe(0);
    expect(await page.locator('a[href*="evil.example"]').count()).toBe(0);

    // Filters work without JavaScript: a GET form.
    await page.getByRole('checkbox', { name: 'critical' }).check();
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/severity=critical/);
    expect(await page.locator('article.finding').count()).toBe(1);
    await expect(page.getByText('1 of 4 shown').isVisible()).resolves.toBe(true);
    await shot(page, '05-review-filtered');

    // Create a key: the plaintext is shown once; then revoke it.
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.waitForURL(`${base}/settings`);
    await shot(page, '06-settings');
    await page.getByLabel('Name', { exact: true }).fill('GitHub Action');
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = await page.getByLabel('The new key GitHub Action').inputValue();
    expect(secret).toMatch(/^dfr_[0-9A-Za-z]{28}$/);
    // The copy button works under the page's CSP (its script is a static file).
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByRole('button', { name: 'Copied' }).waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(secret);
    await shot(page, '07-key-created');
    const ok = await fetch(`${base}/v1/config?repository=acme/widgets`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(ok.status).toBe(200);
    await page.getByRole('button', { name: 'Revoke key GitHub Action' }).click();
    await page.waitForURL(/notice=key-revoked/);
    await expect(page.getByText('The key was revoked.').isVisible()).resolves.toBe(true);
    await shot(page, '08-key-revoked');
    const refused = await fetch(`${base}/v1/config?repository=acme/widgets`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(refused.status).toBe(401);

    // Config with an error names the key and the line.
    await page.goto(`${base}/settings/config?repository=acme/widgets`);
    await page.getByLabel('YAML').fill('fail-on: high\nmax-comments: 500\n');
    await page.getByRole('button', { name: 'Save config' }).click();
    await expect(page.locator('#config-errors').textContent()).resolves.toContain('Line 2: max-comments');
    await shot(page, '09-config-error');

    // Readable on a phone.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${base}/`);
    await shot(page, '10-overview-phone');
    await page.goto(`${base}/reviews/${xssReviewId}`);
    await shot(page, '11-review-phone');
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await page.setViewportSize({ width: 1280, height: 900 });

    // Sign out ends the session at once.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/sign-in\?m=signed-out/);
    await expect(page.getByText('You are signed out.').isVisible()).resolves.toBe(true);
    await shot(page, '12-signed-out');
    await page.goto(`${base}/settings`);
    expect(new URL(page.url()).pathname).toBe('/sign-in');

    expect(dialogs).toEqual([]);
    expect(cspViolations).toEqual([]);
    const foreign = requests.filter((u) => !u.startsWith(base));
    expect(foreign).toEqual([]);
    expect(requests.some((u) => /\/x$|javascript:|evil\.example/.test(u))).toBe(false);
  }, 120_000);

  it('signs in with GitHub, answers an invitation, switches account from the header and corrects the profile', async () => {
    await gh.start();
    const site = await startPages(gh.oauthConfig);
    const globex = await createAccount(db, 'Globex', clock());
    await member({ db, clock }, globex.id, 'octo-dev', 'member');
    await addMember(db, {
      accountId: acmeId,
      login: 'octo-dev',
      role: 'admin',
      now: clock(),
      invitedBy: 'cli',
    });
    gh.signInAs({ id: 4242, login: 'octo-dev' });
    const github = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await github.newPage();
    watch(page);

    await page.goto(`${site}/sign-in`);
    await page.getByRole('link', { name: 'Sign in with GitHub' }).click();
    // An invitation waits: nothing is open until the person answers it.
    await page.waitForURL(`${site}/accounts`);
    await expect(page.getByRole('heading', { level: 1, name: 'Your accounts' }).isVisible()).resolves.toBe(
      true,
    );
    await expect(page.getByText("the server's operator").isVisible()).resolves.toBe(true);
    await shot(page, '13-invitation');
    await page.goto(`${site}/`);
    expect(new URL(page.url()).pathname).toBe('/sign-in');

    await page.goto(`${site}/accounts`);
    await page.getByRole('button', { name: 'Accept the invitation of Acme Corp' }).click();
    await page.waitForURL(`${site}/`);
    await expect(page.getByText('Reviews of the last 30 days for Acme Corp.').isVisible()).resolves.toBe(
      true,
    );

    await page.locator('details.switcher > summary').click();
    await shot(page, '14-account-switcher');
    await page.getByRole('button', { name: 'Globex' }).click();
    await page.waitForURL(`${site}/`);
    await expect(page.getByText('Reviews of the last 30 days for Globex.').isVisible()).resolves.toBe(true);
    await shot(page, '15-switched');

    // What the accounts hold about the person, corrected where they would look: their name in the header.
    await page.getByRole('link', { name: '@octo-dev' }).click();
    await page.waitForURL(`${site}/profile`);
    await page.getByLabel('E-mail').fill('not an address');
    await page.getByLabel('Name', { exact: true }).fill('Octo Dev');
    // The browser's own check stops a malformed address before it is sent.
    await page.getByRole('button', { name: 'Save' }).click();
    expect(new URL(page.url()).search).toBe('');
    await page.getByLabel('E-mail').fill('octo-dev@example.com');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(`${site}/profile?notice=saved`);
    await expect(page.getByText('Saved.').isVisible()).resolves.toBe(true);
    expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('Octo Dev');
    await shot(page, '16-profile');

    await github.close();
    expect(dialogs).toEqual([]);
    expect(cspViolations).toEqual([]);
  }, 120_000);

  async function signIn(page: Page) {
    await page.goto(`${base}/`);
    // The context keeps the session of an earlier test.
    if (new URL(page.url()).pathname !== '/sign-in') return;
    await page.getByLabel('Sign in with an admin API key').fill(adminKey);
    await page.getByRole('button', { name: 'Sign in with key' }).click();
    await page.waitForURL(`${base}/`);
  }

  it('shows two runs of one pull request as the PR at each head, and the PR page across runs', async () => {
    const now = clock().getTime();
    const fp = (n: number) => String(n).repeat(16);
    const meta = { title: 'Parser rewrite', branch: 'fix/parser', author: 'octocat' };
    clock.set(new Date(now - 2 * 3_600_000));
    await postReview(
      makeReport({
        ...meta,
        event: 'push',
        repository: 'acme/widgets',
        pullRequest: 77,
        headSha: 'c'.repeat(40),
        conclusion: 'failure',
        costUsd: 0.03,
        findings: [
          makeFinding({ fingerprint: fp(1), state: 'new', title: 'Unchecked index', severity: 'high' }),
          makeFinding({
            fingerprint: fp(2),
            state: 'new',
            title: 'Leaked handle',
            severity: 'medium',
            line: 20,
          }),
          makeFinding({ fingerprint: fp(3), state: 'new', title: 'Odd naming', severity: 'low', line: 30 }),
        ],
      }),
    );
    clock.set(new Date(now - 3_600_000));
    const second = await postReview(
      makeReport({
        ...meta,
        event: 're-run',
        repository: 'acme/widgets',
        pullRequest: 77,
        headSha: 'd'.repeat(40),
        conclusion: 'failure',
        reason: '1 finding at or above high',
        costUsd: 0.02,
        findings: [
          makeFinding({
            fingerprint: fp(1),
            state: 'open',
            firstSeen: 'c'.repeat(40),
            title: 'Unchecked index',
          }),
          makeFinding({
            fingerprint: fp(2),
            state: 'fixed',
            title: 'Leaked handle',
            severity: 'medium',
            line: 20,
          }),
          makeFinding({
            fingerprint: fp(3),
            state: 'dismissed',
            title: 'Odd naming',
            severity: 'low',
            line: 30,
            dismissal: { by: 'maintainer', reason: 'house style' },
          }),
        ],
      }),
    );
    clock.set(new Date(now));

    const page = await context.newPage();
    await signIn(page);
    await page.goto(`${base}/reviews/${second}`);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('#77 Parser rewrite');
    await expect(page.getByText('Why: 1 finding at or above high').isVisible()).resolves.toBe(true);
    await expect(page.getByText('1 open, 1 fixed, 1 dismissed').isVisible()).resolves.toBe(true);
    expect(await page.locator('article.finding').count()).toBe(1);
    await expect(page.getByText('Still open since ccccccc').isVisible()).resolves.toBe(true);
    await expect(page.getByText('Dismissed by @maintainer: house style').first().isVisible()).resolves.toBe(
      true,
    );
    await shot(page, '17-review-second-run');

    await page.goto(`${base}/repositories/acme/widgets`);
    expect(await page.getByRole('link', { name: '#77 Parser rewrite' }).count()).toBe(2);
    await expect(page.getByText('fix/parser · @octocat · re-run').isVisible()).resolves.toBe(true);

    await page.goto(`${base}/reviews/${second}`);
    await page.getByRole('link', { name: 'All runs of this pull request' }).click();
    await page.waitForURL(/\/repositories\/acme\/widgets\/pulls\/77$/);
    await expect(page.getByText('2 runs in the last 30 days · total cost $0.05').isVisible()).resolves.toBe(
      true,
    );
    const history = page.getByRole('table', { name: /Each finding/ });
    expect(await history.locator('tbody tr').count()).toBe(3);
    await expect(history.locator('tr', { hasText: 'Leaked handle' }).textContent()).resolves.toContain(
      'fixed',
    );
    await expect(history.locator('tr', { hasText: 'Odd naming' }).textContent()).resolves.toContain(
      'dismissed',
    );
    await shot(page, '18-pull-request');
    await page.close();
  }, 120_000);

  it('first contact: sign-in by 127.0.0.1 while PUBLIC_URL says localhost, an HTML 404, the onboarding note', async () => {
    const loopback = base.replace('localhost', '127.0.0.1');
    const page = await context.newPage();
    await page.goto(`${loopback}/sign-in`);
    await page.getByLabel('Sign in with an admin API key').fill(adminKey);
    await page.getByRole('button', { name: 'Sign in with key' }).click();
    await page.waitForURL(`${loopback}/`);
    await expect(page.getByRole('heading', { level: 1, name: 'Overview' }).isVisible()).resolves.toBe(true);

    const missing = await page.goto(`${loopback}/no/such/page`);
    expect(missing?.status()).toBe(404);
    expect(missing?.headers()['content-type']).toContain('text/html');
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Not found');
    const api = await fetch(`${base}/v1/no-such-route`, { headers: { accept: 'application/json' } });
    expect(api.status).toBe(404);
    expect(api.headers.get('content-type')).toContain('application/json');
    await page.close();
  }, 60_000);

  it('shows trends from aggregates older than the 30 days findings are kept, as SVG with a table', async () => {
    const now = clock().getTime();
    clock.set(new Date(now - 90 * 86_400_000));
    await postReview(
      makeReport({
        repository: 'acme/legacy',
        pullRequest: 5,
        headSha: 'e'.repeat(40),
        costUsd: 0.4,
        findings: [makeFinding({ fingerprint: '9'.repeat(16), state: 'new', category: 'security' })],
      }),
    );
    clock.set(new Date(now - 88 * 86_400_000));
    await postReview(
      makeReport({
        repository: 'acme/legacy',
        pullRequest: 5,
        headSha: 'f'.repeat(40),
        costUsd: 0.1,
        findings: [makeFinding({ fingerprint: '9'.repeat(16), state: 'fixed', firstSeen: 'e'.repeat(40) })],
      }),
    );
    clock.set(new Date(now));

    const page = await context.newPage();
    await signIn(page);
    await page.goto(`${base}/repositories/acme/legacy`);
    const trends = page.locator('section', { has: page.getByRole('heading', { name: /Trends/ }) });
    await expect(trends.getByText('aggregated daily counts', { exact: false }).isVisible()).resolves.toBe(
      true,
    );
    expect(await trends.locator('svg.chart-svg rect.trend-fill-introduced').count()).toBe(1);
    expect(await trends.locator('svg.chart-svg rect.trend-fill-fixed').count()).toBe(1);
    await expect(trends.getByText('within 3 days').isVisible()).resolves.toBe(true);
    await expect(trends.getByText('security (1)').isVisible()).resolves.toBe(true);
    await trends.getByText('Show the numbers').click();
    const table = trends.getByRole('table', { name: /per week/ });
    expect(await table.textContent()).toMatch(/\$0\.(50|40)/);
    await shot(page, '19-trends');
    await page.close();
  }, 60_000);
  it('turns reviews of a repository off and on from settings; the editor shows the effective config and the keys', async () => {
    const page = await context.newPage();
    await signIn(page);
    const served = async () =>
      (
        (await (
          await fetch(`${base}/v1/config?repository=acme/widgets`, {
            headers: { authorization: `Bearer ${adminKey}` },
          })
        ).json()) as { config: { enabled?: boolean } }
      ).config;

    await page.goto(`${base}/settings`);
    const keys = page.getByRole('table', { name: 'API keys' });
    for (const header of ['Last used', 'Expires'])
      expect(await keys.getByRole('columnheader', { name: header }).count()).toBe(1);
    const configs = page.getByRole('table', { name: 'Repositories and their config' });
    const row = configs.getByRole('row', { name: /acme\/widgets/ });
    expect(await row.getByRole('cell', { name: 'on', exact: true }).count()).toBe(1);
    await page.getByRole('button', { name: 'Disable reviews of acme/widgets' }).click();
    await page.waitForURL(/notice=reviews-disabled/);
    await expect(page.getByText('Reviews disabled').isVisible()).resolves.toBe(true);
    expect(await row.getByRole('cell', { name: 'off', exact: true }).count()).toBe(1);
    expect(await served()).toMatchObject({ enabled: false });
    await shot(page, '20-reviews-disabled');
    await page.goto(`${base}/repositories/acme/widgets`);
    await expect(page.getByText('Reviews are off for this repository').isVisible()).resolves.toBe(true);
    await page.goto(`${base}/settings`);

    await configs
      .getByRole('row', { name: /acme\/widgets/ })
      .getByRole('link', { name: 'Edit config of acme/widgets' })
      .click();
    await page.waitForURL(/\/settings\/config\?repository=acme%2Fwidgets$/);
    await expect(page.getByLabel('YAML').inputValue()).resolves.toContain('enabled: false');
    const effective = page.getByRole('table', { name: 'Effective hosted config, key by key' });
    await expect(effective.getByRole('row', { name: /^enabled/ }).textContent()).resolves.toBe(
      'enabledfalsethis repository',
    );
    const reference = page.getByRole('table', { name: /Config keys/ });
    await expect(
      reference.getByRole('row', { name: /^budget\.max-cost-usd/ }).textContent(),
    ).resolves.toContain('US dollars');
    await shot(page, '21-config-editor');

    await page.goto(`${base}/settings`);
    await page.getByRole('button', { name: 'Enable reviews of acme/widgets' }).click();
    await page.waitForURL(/notice=reviews-enabled/);
    expect((await served()).enabled).toBeUndefined();
    await page.goto(`${base}/repositories/acme/widgets`);
    expect(await page.getByText('Reviews are off for this repository').count()).toBe(0);
    expect(cspViolations).toEqual([]);
    await page.close();
  }, 60_000);

  /** The serious and critical violations axe-core finds on the page as it is now, one line each. */
  async function seriousViolations(page: Page): Promise<string[]> {
    await page.addScriptTag({ content: AXE_SOURCE });
    // Strings run in the page: the tests are compiled without the DOM's types.
    const violations = await page.evaluate<AxeViolation[]>('axe.run().then((r) => r.violations)');
    return violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  }

  it('passes axe-core on every kind of page, light and dark: no serious or critical violation; severities in words, tables with headers', async () => {
    // axe's source is added as an inline script, which the pages' CSP refuses: this context alone ignores it.
    const a11y = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
    const page = await a11y.newPage();
    const found: string[] = [];
    const check = async (name: string) => {
      // Beyond axe: a severity is never told by colour alone, and every table has header cells.
      const wordless = await page.evaluate<string[]>(`[
        ...[...document.querySelectorAll('.badge[class*="sev-"], .count[class*="sev-"]')]
          .filter((el) => !/critical|high|medium|low/.test(el.textContent))
          .map((el) => el.outerHTML),
        ...[...document.querySelectorAll('table')]
          .filter((table) => !table.querySelector('th'))
          .map((table) => table.outerHTML.slice(0, 120)),
      ]`);
      found.push(...wordless.map((html) => `${name}: ${html}`));
      for (const colorScheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme });
        found.push(...(await seriousViolations(page)).map((v) => `${name} (${colorScheme}): ${v}`));
      }
    };

    await page.goto(`${base}/sign-in`);
    await check('sign-in');
    await page.getByLabel('Sign in with an admin API key').fill(adminKey);
    await page.getByRole('button', { name: 'Sign in with key' }).click();
    await page.waitForURL(`${base}/`);
    const pages: [string, string][] = [
      ['overview', '/'],
      ['repository', '/repositories/acme/widgets'],
      ['review', `/reviews/${xssReviewId}`],
      ['pull request', '/repositories/acme/widgets/pulls/42'],
      ['settings', '/settings'],
      ['config editor', '/settings/config?repository=acme/widgets'],
      ['not found', '/no/such/page'],
    ];
    for (const [name, path] of pages) {
      await page.goto(`${base}${path}`);
      await check(name);
    }
    // The forms' answers: a config refused with its issues, a key just created.
    await page.goto(`${base}/settings/config?repository=acme/widgets`);
    await page.getByLabel('YAML').fill('fail-on: sometimes\n');
    await page.getByRole('button', { name: 'Save config' }).click();
    await check('config refused');
    await page.goto(`${base}/settings`);
    await page.getByLabel('Name', { exact: true }).fill('a11y');
    await page.getByRole('button', { name: 'Create key' }).click();
    await check('key created');

    expect(found).toEqual([]);
    await a11y.close();
  }, 120_000);

  it('keyboard: Tab reaches every control of a page in document order, each with a visible focus ring', async () => {
    const page = await context.newPage();
    await signIn(page);
    for (const path of ['/', `/reviews/${xssReviewId}`, '/settings']) {
      await page.goto(`${base}${path}`);
      // Every control a person could operate, numbered in document order.
      const count = await page.evaluate<number>(`(() => {
        const controls = [...document.querySelectorAll(
          'a[href], button, input:not([type="hidden"]), select, textarea, summary, [tabindex]:not([tabindex="-1"])',
        )].filter((el) => el.checkVisibility() && !el.disabled);
        controls.forEach((el, i) => (el.dataset.order = String(i)));
        return controls.length;
      })()`);
      expect(count, path).toBeGreaterThan(5);
      const reached: { order: string | undefined; ring: boolean }[] = [];
      for (let i = 0; i < count; i += 1) {
        await page.keyboard.press('Tab');
        reached.push(
          await page.evaluate<{ order: string | undefined; ring: boolean }>(`(() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            return {
              order: el.dataset.order,
              ring: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
            };
          })()`),
        );
      }
      expect(
        reached.map((r) => r.order),
        path,
      ).toEqual(Array.from({ length: count }, (_, i) => String(i)));
      expect(
        reached.filter((r) => !r.ring),
        path,
      ).toEqual([]);
    }
    // Focus rests on the last control of the settings page.
    await shot(page, '22-keyboard-focus');
    await page.close();
  }, 120_000);

  it('lists dismissals, accepts one after its preview, declines another, and counts answers in the PR cost', async () => {
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(201);
    };
    const dismissal = {
      repository: 'acme/widgets',
      pullRequest: 77,
      category: 'style',
      severity: 'low',
      pathPattern: 'src/**/*.ts',
      by: 'maintainer',
    };
    await post('/v1/dismissals', {
      ...dismissal,
      fingerprint: 'a'.repeat(16),
      title: 'Odd naming',
      reason: 'house style <img src=x onerror=alert(1)>',
    });
    await post('/v1/dismissals', {
      ...dismissal,
      fingerprint: 'b'.repeat(16),
      title: 'Missing blank line',
      reason: 'prettier decides',
    });
    await post('/v1/answers', {
      repository: 'acme/widgets',
      pullRequest: 77,
      model: 'claude-sonnet-4-5',
      tokens: { input: 2000, cacheWrite: 0, cacheRead: 0, output: 300 },
      costUsd: 0.01,
    });

    const page = await context.newPage();
    await signIn(page);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dismissals' }).click();
    await page.waitForURL(`${base}/dismissals`);
    const list = page.getByRole('table', { name: /Findings dismissed/ });
    await expect(list.locator('tr', { hasText: 'Odd naming' }).textContent()).resolves.toContain(
      'house style <img src=x onerror=alert(1)>',
    );
    await expect(list.locator('tr', { hasText: 'Odd naming' }).textContent()).resolves.toContain(
      '@maintainer',
    );
    const categories = page.getByRole('table', { name: /per category/ });
    await expect(categories.locator('tr', { hasText: 'style' }).first().isVisible()).resolves.toBe(true);
    await shot(page, '20-dismissals');

    await page.getByRole('link', { name: /Accept the dismissal of “Odd naming”/ }).click();
    await page.waitForURL(/\/settings\/dismissals\//);
    await expect(
      page.getByText('Do not report style findings like "Odd naming"').first().isVisible(),
    ).resolves.toBe(true);
    await shot(page, '21-dismissal-preview');
    await page.getByRole('button', { name: 'Save to the config' }).click();
    await page.waitForURL(/notice=accepted/);
    await expect(
      page.getByText("Saved: the instruction is in the repository's hosted config.").isVisible(),
    ).resolves.toBe(true);
    await page.getByRole('button', { name: /Decline the dismissal of “Missing blank line”/ }).click();
    await page.waitForURL(/notice=declined/);
    const after = page.getByRole('table', { name: /Findings dismissed/ });
    await expect(after.locator('tr', { hasText: 'Odd naming' }).textContent()).resolves.toContain('accepted');
    await expect(after.locator('tr', { hasText: 'Missing blank line' }).textContent()).resolves.toContain(
      'declined',
    );

    await page.goto(`${base}/settings/config?repository=acme/widgets`);
    expect(await page.locator('textarea').inputValue()).toContain('Do not report style findings like');
    await page.goto(`${base}/repositories/acme/widgets/pulls/77`);
    await expect(
      page.getByText('2 runs and 1 answer ($0.01) in the last 30 days · total cost $0.06').isVisible(),
    ).resolves.toBe(true);
    expect(dialogs).toEqual([]);
    expect(cspViolations).toEqual([]);
    await page.close();
  }, 60_000);
});
