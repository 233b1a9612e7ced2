import { Hono } from 'hono';
import { parseConfigYaml, type ConfigIssue } from '../../../shared/config.js';
import { RepositoryNameSchema } from '../../../shared/report.js';
import { findRepository, getConfigs, putConfig } from '../../db/index.js';
import { ConfigPage } from '../pages/config.js';
import type { PageKit, WebEnv } from './page-kit.js';

const MAX_CONFIG_CHARS = 65_536;

/** The repository a config form or link names: undefined for the account default, null when malformed. */
function repositoryParam(value: unknown): string | undefined | null {
  if (value === undefined || value === '') return undefined;
  return typeof value === 'string' && RepositoryNameSchema.safeParse(value.trim()).success
    ? value.trim()
    : null;
}

/** The hosted config editor: the account default's or one repository's, validated as the action reads it. */
export function configPages(kit: PageKit) {
  const { db } = kit.deps;
  return new Hono<WebEnv>()
    .get('/settings/config', async (c) => {
      const repository = repositoryParam(c.req.query('repository'));
      if (repository === null) return kit.notFoundPage(c);
      const page = await kit.signedIn(c);
      const { accountId } = page.session;
      const stored = await getConfigs(db, accountId, repository);
      const current = repository === undefined ? stored.account : stored.repository;
      const known = repository === undefined ? undefined : await findRepository(db, accountId, repository);
      return page.render(
        <ConfigPage
          viewer={page.viewer}
          repository={known?.fullName ?? repository}
          yaml={current?.yaml ?? ''}
          issues={[]}
          saved={c.req.query('saved') === '1'}
          updatedAt={current?.updatedAt}
          now={page.now}
        />,
      );
    })
    .post('/settings/config', async (c) => {
      const body = await c.req.parseBody({ all: true });
      const repository = repositoryParam(body.repository);
      if (repository === null) return kit.notFoundPage(c);
      const page = await kit.signedIn(c);
      const yaml = typeof body.yaml === 'string' ? body.yaml.replace(/\r\n/g, '\n') : '';
      let issues: ConfigIssue[] = [];
      if (yaml.length > MAX_CONFIG_CHARS) {
        issues = [
          {
            key: '(root)',
            line: undefined,
            message: `the config is longer than ${MAX_CONFIG_CHARS} characters`,
          },
        ];
      } else {
        const parsed = parseConfigYaml(yaml);
        if (!parsed.ok) issues = parsed.issues;
      }
      if (issues.length > 0) {
        return page.render(
          <ConfigPage
            viewer={page.viewer}
            repository={repository}
            yaml={yaml.slice(0, MAX_CONFIG_CHARS)}
            issues={issues}
            saved={false}
            updatedAt={undefined}
            now={page.now}
          />,
          422,
        );
      }
      await putConfig(db, page.session.accountId, repository, yaml, page.now);
      await page.audit('config.put', repository ?? '(account)');
      const query = repository === undefined ? '' : `repository=${encodeURIComponent(repository)}&`;
      return c.redirect(`/settings/config?${query}saved=1`, 303);
    });
}
