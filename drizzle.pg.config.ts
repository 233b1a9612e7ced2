import { defineConfig } from 'drizzle-kit';

// PostgreSQL's migrations, generated from api/db/pg/schema.ts (`npm run db:generate` runs both configs),
// committed, and applied at start by `applyPgMigrations`. SQLite's stay in ./drizzle (drizzle.config.ts).
export default defineConfig({
  dialect: 'postgresql',
  schema: './api/db/pg/schema.ts',
  out: './drizzle/postgres',
});
