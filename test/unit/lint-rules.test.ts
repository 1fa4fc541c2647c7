import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint, type Linter } from 'eslint';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../scripts/lib/tools';

const FIXTURES = join(PROJECT_ROOT, 'test', 'fixtures', 'lint');
const RULES = new Set(['no-restricted-imports', 'no-restricted-syntax']);

/**
 * The repository's own eslint.config.js, applied to a planted violation as if it stood at
 * `path` (its place under test/fixtures/lint mirrors the repository). Type-aware parsing is
 * off: the file does not exist at that path, and the rules under test need no types.
 * The SQL rule is forced to 'error' (it is 'warn' until the last queries move to lib/).
 */
const eslint = new ESLint({
  cwd: PROJECT_ROOT,
  overrideConfig: [
    { files: ['**/*.ts'], languageOptions: { parserOptions: { projectService: false } } },
    { files: ['api/**/*.ts', 'activities/**/*.ts'], rules: { 'no-restricted-syntax': 'error' } },
  ],
  ruleFilter: ({ ruleId }) => RULES.has(ruleId),
});

async function lintFixture(path: string): Promise<Linter.LintMessage[]> {
  const code = readFileSync(join(FIXTURES, path), 'utf8');
  const [result] = await eslint.lintText(code, { filePath: join(PROJECT_ROOT, path), warnIgnored: true });
  return result!.messages;
}

const summary = (messages: Linter.LintMessage[]) =>
  messages.map((m) => ({ rule: m.ruleId, severity: m.severity, line: m.line, message: m.message }));

describe('the workflow sandbox', () => {
  it.each([
    ['workflows/node-builtin.ts', 'Node built-ins are not allowed in workflow code.'],
    ['workflows/shared/activities-value.ts', 'Import activities and lib as types only'],
    ['workflows/lib-db-value.ts', 'Import activities and lib as types only'],
    ['workflows/lib-temporal-value.ts', 'Import activities and lib as types only'],
    ['workflows/temporal-client.ts', 'Workflow code uses @temporalio/workflow'],
    ['workflows/shared/api-type.ts', 'Workflow code never imports the API or the worker.'],
  ])('refuses %s', async (path, message) => {
    const messages = await lintFixture(path);
    expect(messages.length).toBeGreaterThan(0);
    expect(messages.every((m) => m.ruleId === 'no-restricted-imports' && m.severity === 2 && m.line <= 2)).toBe(true);
    expect(messages.map((m) => m.message)).toContainEqual(expect.stringContaining(message));
  });

  it('allows @temporalio/workflow, type imports of activities and lib, and values from workflows/shared', async () => {
    expect(summary(await lintFixture('workflows/shared/allowed.ts'))).toEqual([]);
  });
});

describe('routes and activities', () => {
  it('keeps Temporal out of routes (api/workflows/<kind>.ts talks to it)', async () => {
    expect(summary(await lintFixture('api/routes/temporal-client.ts'))).toEqual([
      expect.objectContaining({ rule: 'no-restricted-imports', severity: 2, line: 1 }),
    ]);
  });

  it.each(['api/routes/query-builders.ts', 'activities/query-builders.ts'])(
    'flags knex(…), trx(…), db(…) and x.knex(…) query builders in %s (convention 10)',
    async (path) => {
      const messages = await lintFixture(path);
      expect(messages.map((m) => [m.ruleId, m.severity, m.line])).toEqual([
        ['no-restricted-syntax', 2, 5],
        ['no-restricted-syntax', 2, 6],
        ['no-restricted-syntax', 2, 7],
        ['no-restricted-syntax', 2, 8],
      ]);
      expect(messages.every((m) => m.message.includes('convention 10'))).toBe(true);
    },
  );
});
