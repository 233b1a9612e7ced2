import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'build/', 'node_modules/', 'drizzle/', 'test-artifacts/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error', { allow: ['error', 'warn'] }],
    },
  },
  {
    // Storage is asynchronous (`api/db/client.ts`): a call left unawaited would run after its request answered
    // or its transaction ended. Typed rules cost a type-check, so only where storage is called.
    files: ['api/**/*.ts', 'api/**/*.tsx', 'test/**/*.ts', 'test/**/*.tsx', 'bench/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
    },
  },
  {
    // Query functions are written once for every engine (`api/db/connection.ts`): tables come from
    // `db.tables`, results from awaiting the builder. The modules listed as ignored are SQLite's own.
    files: ['api/db/*.ts'],
    ignores: [
      'api/db/{client,connection,schema,index,ingest,encryption,data-keys,purge-steps,shared-state,migrations}.ts',
      'api/db/{writer,writer-thread,checkpointer,checkpointer-thread,threads,files,faults}.ts',
    ],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['./schema.js'], allowTypeImports: true, message: 'Tables come from db.tables.' },
            {
              group: ['better-sqlite3', 'drizzle-orm/better-sqlite3'],
              message: "SQLite's own: behind a seam.",
            },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector:
            'CallExpression[arguments.length=0] > MemberExpression.callee[property.name=/^(all|get|run)$/]',
          message: "better-sqlite3's: await the query builder (.limit(1) and [0] for one row).",
        },
      ],
    },
  },
  {
    files: ['test/**', 'bench/**', 'scripts/**', 'api/cli.ts', 'action/cli.ts'],
    rules: { 'no-console': 'off' },
  },
);
