import { defineConfig } from 'vitest/config';
import { SKIP_POSTGRES } from './test/support/postgres.js';

/** What both projects share (project-level options; the global setups and reporters are the run's). */
const common = {
  setupFiles: ['test/setup/network-guard.ts'],
  testTimeout: 30_000,
  hookTimeout: 60_000,
  pool: 'forks' as const,
};

/**
 * The API, page and webhook suites that run on PostgreSQL too: every suite that reaches the database only
 * through the storage interface and `test/api/helpers.ts` (which opens a fresh database of the engine
 * `DIFFRAY_TEST_ENGINE` names). Left out: the suites about SQLite itself (its files, WAL, checkpointer,
 * writer and reader threads, pragmas, legacy files and their migrations), the compiled-server process
 * suites that run on a DATABASE_PATH, and the `postgres-*` suites, which run on PostgreSQL already.
 * Without a PostgreSQL server (and `DIFFRAY_REQUIRE_POSTGRES` unset) the project is left out, as the
 * `postgres-*` suites are skipped.
 */
const ON_BOTH_ENGINES = [
  'test/api/account-rights.test.ts',
  'test/api/account.test.ts',
  'test/api/answers.test.ts',
  'test/api/auth.test.ts',
  'test/api/config.test.ts',
  'test/api/dismissals.test.ts',
  'test/api/encryption-at-rest.test.ts',
  'test/api/export.test.ts',
  'test/api/hardening.test.ts',
  'test/api/pull-request-state.test.ts',
  'test/api/quotas.test.ts',
  'test/api/repository-names.test.ts',
  'test/api/reviews.test.ts',
  'test/api/webhook.test.ts',
  'test/web/browser.test.ts',
  'test/web/dismissals.test.ts',
  'test/web/memberships.test.ts',
  'test/web/oauth.test.ts',
  'test/web/profile.test.ts',
  'test/web/render.test.tsx',
  'test/web/routes.test.ts',
  'test/web/session-keys.test.ts',
];

export default defineConfig({
  test: {
    globalSetup: ['test/setup/build-bundle.ts', 'test/setup/postgres.ts'],
    reporters: ['default', './test/setup/summary-reporter.ts'],
    projects: [
      { test: { name: 'default', include: ['test/**/*.test.ts', 'test/**/*.test.tsx'], ...common } },
      ...(SKIP_POSTGRES
        ? []
        : [
            {
              test: {
                name: 'postgres',
                include: ON_BOTH_ENGINES,
                env: { DIFFRAY_TEST_ENGINE: 'postgres' },
                ...common,
              },
            },
          ]),
    ],
  },
});
