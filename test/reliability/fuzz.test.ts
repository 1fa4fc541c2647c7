import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollStudent } from '../helpers/enrollment';
import { startPaymentsStack, type PaymentsStack } from '../helpers/payments';
import { schemathesis, writeSchemathesisSchema } from '../helpers/schemathesis';
import type { TestStack } from '../helpers/stack';
import { createTestUser, type TestUser } from '../helpers/users';
import { recordFigures } from './figures';

/**
 * Part 3 of the reliability suite: schemathesis generates requests for every operation of
 * /api/openapi.json, signed in once as a student and once as an admin. No answer may be a
 * 5xx, and every answer (errors included: the document's `default` is problem+json) must
 * match its documented schema and content type.
 *
 * Depth is bounded for the suite's 15 minutes: the fuzzing phase, RELIABILITY_FUZZ_EXAMPLES
 * cases per operation (default 10). RELIABILITY_FUZZ_PHASES=coverage,fuzzing adds
 * schemathesis' boundary-value phase (some minutes more per role).
 */
const EXAMPLES = process.env.RELIABILITY_FUZZ_EXAMPLES ?? '10';
const PHASES = process.env.RELIABILITY_FUZZ_PHASES ?? 'fuzzing';
const CHECKS = 'not_a_server_error,response_schema_conformance,content_type_conformance';

/**
 * Operations that end the caller's session or consent (logout, erasure, deletion, activating
 * a new policy): fuzzed last, in a run of their own with a user of their own, so they do not
 * turn the rest of the run into 401s and 428s.
 */
const SESSION_ENDING = '^/api/(auth/logout|accounts/anonymize|accounts/delete-account|admin/policies)$';

interface RunReport {
  operations: { selected: number; tested: number; errored: number };
  test_cases: { generated: number; with_failures: number; errored: number };
  failures: { code: string; title: string; count: number; operations: string[] }[];
  errors: unknown[];
}

let payments: PaymentsStack;
let stack: TestStack;
let dir: string;
let schemaFile: string;
let operationCount: number;
beforeAll(async () => {
  payments = await startPaymentsStack();
  stack = payments.stack;
  ({ dir, schemaFile } = await writeSchemathesisSchema(stack.http));
  const document = JSON.parse(readFileSync(schemaFile, 'utf8')) as { paths: Record<string, object> };
  operationCount = Object.values(document.paths).reduce((n, item) => n + Object.keys(item).length, 0);
});
afterAll(async () => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  await payments?.close();
});

/** One schemathesis run with the user's session in the Authorization header; records its figures. */
async function fuzz(label: string, user: TestUser, filter: string[]) {
  const reportPath = join(dir, `${label}.json`);
  const { code, output } = await schemathesis(
    [
      'run',
      schemaFile,
      '--url',
      stack.baseUrl,
      '--header',
      `Authorization: Bearer ${user.token}`,
      '--checks',
      CHECKS,
      '--phases',
      PHASES,
      '--max-examples',
      EXAMPLES,
      '--workers',
      '1',
      '--seed',
      process.env.RELIABILITY_FUZZ_SEED ?? '14',
      // Hypothesis health checks judge our schemas' generability, not the server.
      '--suppress-health-check',
      'all',
      '--report',
      'json',
      '--report-json-path',
      reportPath,
      ...filter,
    ],
    dir, // its caches stay out of the repository
    280_000,
  );
  const report = JSON.parse(readFileSync(reportPath, 'utf8')) as RunReport;
  const serverErrors = report.failures.filter((f) => f.code === 'ST101').reduce((n, f) => n + f.count, 0);
  recordFigures('fuzz', { fuzzCases: report.test_cases.generated, fuzz5xx: serverErrors });
  return { code, output, report, serverErrors };
}

/** Every failure schemathesis found, with its reproduction, is the assertion message. */
function expectClean(run: Awaited<ReturnType<typeof fuzz>>) {
  const failures = run.output.includes('FAILURES') ? run.output.slice(run.output.indexOf('FAILURES')) : run.output;
  expect(run.serverErrors, failures).toBe(0);
  expect(run.report.failures, failures).toEqual([]);
  expect(run.report.errors, run.output).toEqual([]);
  expect(run.code, run.output).toBe(0);
  expect(run.report.operations.tested).toBe(run.report.operations.selected);
  expect(run.report.test_cases.generated).toBeGreaterThan(run.report.operations.selected);
}

describe('API fuzzing per role', () => {
  for (const role of ['student', 'admin'] as const) {
    it(`finds no 5xx and no answer off its schema, signed in as ${role === 'student' ? 'a student' : 'an admin'}`, async () => {
      const signIn = async () => {
        const user = await createTestUser(stack.knex, { role });
        // An enrolled student with a trainer reaches progress, submissions and checkout's logic.
        if (role === 'student') {
          const trainer = await createTestUser(stack.knex, { role: 'trainer' });
          await enrollStudent(stack.knex, { userId: user.user.id, trainerUserId: trainer.user.id });
        }
        return user;
      };
      const most = await fuzz(`${role}-most`, await signIn(), ['--exclude-path-regex', SESSION_ENDING]);
      expectClean(most);
      const ending = await fuzz(`${role}-session-ending`, await signIn(), ['--include-path-regex', SESSION_ENDING]);
      expectClean(ending);
      // Over every operation of the document, between the two runs.
      expect(most.report.operations.tested + ending.report.operations.tested).toBe(operationCount);
    }, 600_000);
  }
});
