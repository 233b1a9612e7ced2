import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import {
  dropTemplateDatabases,
  POSTGRES_REQUIRED,
  postgresUnavailable,
  stopSharedCluster,
} from '../support/postgres.js';

/**
 * Vitest global setup for the PostgreSQL suites (`test/support/postgres.ts`): the run's folder where the
 * first suite that needs a server starts the shared cluster, stopped here when the run ends, so a run that
 * selects no PostgreSQL suite starts no server. Says once why the suites are skipped, or fails the run
 * when `DIFFRAY_REQUIRE_POSTGRES` asks for them. At the end, the run's migrated templates go too.
 */
export default function setup(project: TestProject): () => Promise<void> {
  const missing = postgresUnavailable();
  if (missing !== undefined) {
    if (POSTGRES_REQUIRED) throw new Error(`DIFFRAY_REQUIRE_POSTGRES is set, but ${missing}`);
    console.warn(`PostgreSQL suites skipped: ${missing} (install Debian's postgresql package to run them)`);
  }
  const runDir = mkdtempSync(join(tmpdir(), 'diffray-pg-run-'));
  project.provide('postgresRunDir', runDir);
  return async () => {
    if (missing === undefined) await dropTemplateDatabases();
    await stopSharedCluster(runDir);
  };
}
