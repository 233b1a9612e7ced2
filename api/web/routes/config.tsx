import { Hono } from 'hono';
import { parseConfigYaml, type ConfigIssue } from '../../../shared/config.js';
import { RepositoryNameSchema } from '../../../shared/report.js';
import { findRepository, getConfigs, putConfig, type StoredConfigs } from '../../db/index.js';
import {
  configKeyReference,
  effectiveHostedConfig,
  readStoredConfig,
  withEnabled,
} from '../../hosted-config.js';
import { ConfigPage } from '../pages/config.js';
import type { PageKit, WebEnv } from './page-kit.js';
import { refuseSettingsForm } from './settings.js';

const MAX_CONFIG_CHARS = 65_536;

/** The repository a config form or link names: undefined for the account default, null when malformed. */
function repositoryParam(value: unknown): string | undefined | null {
  if (value === undefined || value === '') return undefined;
  return typeof value === 'string' && RepositoryNameSchema.safeParse(value.trim()).success
    ? value.trim()
    : null;
}

/** The stored config's effective keys: the repository's own over the account default, or the default alone. */
function effectiveRows(stored: StoredConfigs) {
  return effectiveHostedConfig(
    readStoredConfig(stored.account?.yaml).config,
    readStoredConfig(stored.repository?.yaml).config,
  );
}

/**
 * The hosted config editor (the account default's, or one repository's, validated as the action reads it,
 * beside the effective config and the schema's keys), and reviews turned off or on from the settings page.
 */
export function configPages(kit: PageKit) {
  const { db } = kit.deps;
  const keys = configKeyReference();
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
          effective={effectiveRows(stored)}
          keys={keys}
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
            effective={effectiveRows(await getConfigs(db, page.session.accountId, repository))}
            keys={keys}
          />,
          422,
        );
      }
      await putConfig(db, page.session.accountId, repository, yaml, page.now);
      await page.audit('config.put', repository ?? '(account)');
      const query = repository === undefined ? '' : `repository=${encodeURIComponent(repository)}&`;
      return c.redirect(`/settings/config?${query}saved=1`, 303);
    })
    .post('/settings/config/enabled', async (c) => {
      const body = await c.req.parseBody();
      const repository = repositoryParam(body.repository);
      if (repository === null || (body.enabled !== 'true' && body.enabled !== 'false'))
        return kit.notFoundPage(c);
      const enabled = body.enabled === 'true';
      const page = await kit.signedIn(c);
      const { accountId } = page.session;
      const stored = await getConfigs(db, accountId, repository);
      const current = (repository === undefined ? stored.account : stored.repository)?.yaml ?? '';
      // A repository's choice is written only where it differs from the account default's.
      const inherited = repository === undefined ? {} : readStoredConfig(stored.account?.yaml).config;
      const yaml = withEnabled(current, enabled, inherited);
      if (!parseConfigYaml(yaml).ok) {
        const subject = repository ?? 'the account default';
        return refuseSettingsForm(
          kit,
          c,
          'config',
          `The stored config of ${subject} no longer validates: correct it in its editor first.`,
        );
      }
      if (yaml !== current) await putConfig(db, accountId, repository, yaml, page.now);
      await page.audit(enabled ? 'config.enable' : 'config.disable', repository ?? '(account)');
      return c.redirect(`/settings?notice=${enabled ? 'reviews-enabled' : 'reviews-disabled'}#config`, 303);
    });
}
