import { defineConfig } from 'drizzle-kit';

// Migrations are generated from api/db/schema.ts (`npm run db:generate`), committed, and applied at start.
export default defineConfig({
  dialect: 'sqlite',
  schema: './api/db/schema.ts',
  out: './drizzle',
});
