/**
 * What every page route needs, built once per app (`createPageKit`) and handed to each area's routes: the
 * request's visitor with the clock read once and GitHub's links (`kit.signedIn(c)`: `props`, what the pages
 * of reviews are rendered with), rendering, the error pages and the audit log.
 */
import type { ZodType } from 'zod';
import type { Context } from 'hono';
import type { JSX } from 'hono/jsx/jsx-runtime';
import type { SessionPrincipal } from '../../auth/page-session.js';
import { accountsOf, recordAudit } from '../../db/index.js';
import type { AppDeps, AppEnv } from '../../types.js';
import { GitHubLinks } from '../components.js';
import type { LayoutViewer, PageProps } from '../layout.js';
import { ErrorPage } from '../pages/error.js';

/** The app's context variables and the visitor (`loadViewer` in `guards.tsx`), undefined when signed out. */
export type WebEnv = { Variables: AppEnv['Variables'] & { viewer: SessionPrincipal | undefined } };
export type WebContext = Context<WebEnv>;

type PageStatus = 200 | 400 | 403 | 404 | 422;
type Html = Response | Promise<Response>;

/** A signed-in visitor's request, as its handler starts from it (behind `requireViewer`). */
export interface SignedInPage {
  /** The visitor's session: account, role, actor. */
  session: SessionPrincipal;
  /** The clock, read once for the request. */
  now: Date;
  /** What the pages of reviews are rendered with (`viewer`, `now`, `links`). */
  props: PageProps;
  /** The visitor as the layout shows it. */
  viewer: LayoutViewer;
  /** Sends `node` as the HTML document. */
  render(node: JSX.Element, status?: PageStatus): Html;
  /** Records what the visitor did in the account's audit log. */
  audit(action: string, target?: string): Promise<void>;
}

export interface PageKit {
  deps: AppDeps;
  /** The public URL's origin (sessions' issuer, the only origin forms are accepted from). */
  publicOrigin: string;
  links: GitHubLinks;
  signedIn(c: WebContext): Promise<SignedInPage>;
  /** The visitor as the layout shows them. */
  viewerOf(s: SessionPrincipal): Promise<LayoutViewer>;
  /** Sends `node` as the HTML document. */
  render(c: WebContext, node: JSX.Element, status?: PageStatus): Html;
  /** An error page, with the top bar when the visitor is signed in. */
  errorPage(c: WebContext, status: 403 | 404, title: string, text: string): Html;
  notFoundPage(c: WebContext): Html;
  /** Records an action in the account's audit log, with the request's client address and the clock's time. */
  audit(c: WebContext, accountId: string, actor: string, action: string, target?: string): Promise<void>;
}

/** `value` when it is one of the fixed codes of `allowed` (flash messages are never free text). */
export function pickNotice<T extends string>(
  value: string | undefined,
  allowed: Record<T, unknown>,
): T | undefined {
  return value !== undefined && Object.hasOwn(allowed, value) ? (value as T) : undefined;
}

/**
 * A form's fields as a correction `schema` validates (the JSON API's own): each named field's text, an
 * emptied `clearable` one as `null`. The correction, or the first refusal in words (`labels` name fields).
 */
export function correctionFromForm<T>(
  schema: ZodType<T>,
  body: Record<string, unknown>,
  labels: Record<string, string>,
  clearable: readonly string[],
): { ok: true; value: T } | { ok: false; message: string } {
  const fields = Object.fromEntries(
    Object.keys(labels).map((name) => {
      const text = typeof body[name] === 'string' ? body[name] : '';
      return [name, clearable.includes(name) && text.trim() === '' ? null : text];
    }),
  );
  const parsed = schema.safeParse(fields);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  const label = labels[String(issue?.path[0])] ?? 'The form';
  return { ok: false, message: `${label}: ${issue?.message ?? 'not accepted'}` };
}

export function createPageKit(deps: AppDeps): PageKit {
  const { db, clock, config } = deps;
  const links = new GitHubLinks(config.githubUrl.replace(/\/+$/, ''));
  const render = (c: WebContext, node: JSX.Element, status: PageStatus = 200) =>
    c.html(`<!doctype html>${String(node)}`, status);
  const audit = async (c: WebContext, accountId: string, actor: string, action: string, target?: string) =>
    await recordAudit(db, {
      accountId,
      actor,
      action,
      target,
      clientAddress: c.get('clientAddress'),
      at: clock(),
    });
  /** A person signed in with GitHub also sees their other accounts and the invitations waiting for them. */
  const viewerOf = async (s: SessionPrincipal): Promise<LayoutViewer> => {
    const viewer: LayoutViewer = {
      accountName: s.accountName,
      displayName: s.displayName,
      via: s.via,
      csrf: s.csrf,
      isAdmin: s.role === 'admin',
    };
    if (s.userId === undefined) return viewer;
    const mine = await accountsOf(db, s.userId);
    const others = mine.filter((m) => m.acceptedAt !== null && m.accountId !== s.accountId);
    return {
      ...viewer,
      accounts: {
        others: others.map((m) => ({ id: m.accountId, name: m.accountName })),
        invitations: mine.filter((m) => m.acceptedAt === null).length,
      },
    };
  };
  const errorPage = async (c: WebContext, status: 403 | 404, title: string, text: string) => {
    const viewer = c.get('viewer');
    return render(
      c,
      <ErrorPage
        viewer={viewer ? await viewerOf(viewer) : undefined}
        status={status}
        title={title}
        text={text}
      />,
      status,
    );
  };
  return {
    deps,
    publicOrigin: new URL(config.publicUrl).origin,
    links,
    viewerOf,
    signedIn: async (c) => {
      const session = c.get('viewer')!;
      const now = clock();
      const viewer = await viewerOf(session);
      return {
        session,
        now,
        viewer,
        props: { viewer, now, links },
        render: (node, status) => render(c, node, status),
        audit: (action, target) => audit(c, session.accountId, session.actor, action, target),
      };
    },
    render,
    errorPage,
    notFoundPage: (c) =>
      errorPage(
        c,
        404,
        'Not found',
        'There is nothing here, or it belongs to another account, or it expired (results are kept 30 days).',
      ),
    audit,
  };
}
