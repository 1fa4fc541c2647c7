// @ts-check
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', '.data/', '.tools/', 'dist/'] },
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
    // The workflow sandbox: deterministic code only, activities as types only.
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
              message: 'Side-effecting libraries belong in activities.',
            },
            {
              group: ['../activities/*', '../lib/*', '../api/*', '../worker/*', '../activities', '../lib'],
              allowTypeImports: true,
              message: 'Import activities and lib as types only.',
            },
          ],
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
