// @ts-check
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // test/fixtures/lint holds planted violations, linted under their mirrored paths by test/unit/lint-rules.test.ts.
  { ignores: ['node_modules/', '.data/', '.tools/', 'dist/', 'test/fixtures/'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Library code logs through pino or Temporal's logger, never the console.
    files: ['lib/**/*.ts', 'activities/**/*.ts', 'api/**/*.ts', 'workflows/**/*.ts'],
    rules: { 'no-console': 'error' },
  },
  {
    // The workflow sandbox: deterministic code only, activities and lib as types only.
    // Regexes, not globs: they match `../` at any depth (workflows/shared/*) and never a package's own lib/.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                'node:*',
                'fs',
                'path',
                'crypto',
                'http',
                'https',
                'net',
                'os',
                'child_process',
                'worker_threads',
              ],
              message: 'Node built-ins are not allowed in workflow code.',
            },
            {
              group: ['pg', 'knex', 'stripe', 'postmark', 'playwright-core', '@aws-sdk/*', 'express', 'pino'],
              // Also matches a last path segment of that name (lib/db/knex): types from there stay allowed too.
              allowTypeImports: true,
              message: 'Side-effecting libraries belong in activities.',
            },
            {
              // Values a workflow needs (ids, search attributes) live in workflows/shared/.
              regex: '^\\.\\.?/(?:.*/)?(?:activities|lib)(?:/.*)?$',
              allowTypeImports: true,
              message: 'Import activities and lib as types only (shared values belong in workflows/shared/).',
            },
            {
              regex: '^\\.\\.?/(?:.*/)?(?:api|worker)(?:/.*)?$',
              message: 'Workflow code never imports the API or the worker.',
            },
            {
              group: ['@temporalio/activity', '@temporalio/worker', '@temporalio/client', '@temporalio/testing'],
              message: 'Workflow code uses @temporalio/workflow (and @temporalio/common) only.',
            },
          ],
        },
      ],
    },
  },
  {
    // Routes reach Temporal through the client modules in api/workflows/ (start options, failure mapping).
    files: ['api/routes/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@temporalio/*'],
              message: 'Call a client function from api/workflows/<kind>.ts instead of Temporal from a route.',
            },
          ],
        },
      ],
    },
  },
  {
    // Convention 10: SQL lives in lib/; routes and activities call named lib functions or repositories.
    files: ['api/**/*.ts', 'activities/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.type='Identifier'][callee.name=/^(knex|trx|db)$/]",
          message: 'Query builders belong in lib/ (convention 10): call a lib/<area> function or a repository.',
        },
        {
          selector: "CallExpression[callee.type='MemberExpression'][callee.property.name='knex']",
          message: 'Query builders belong in lib/ (convention 10): call a lib/<area> function or a repository.',
        },
      ],
    },
  },
  {
    // Tests, the demo and benchmarks read loosely typed JSON answers.
    files: ['test/**/*.ts', '**/*.test.ts', 'scripts/demo/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
