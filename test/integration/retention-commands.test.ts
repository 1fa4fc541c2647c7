import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPrivacyRequest } from '../../lib/compliance/privacy-requests';
import { runScript } from '../helpers/child-process';
import { startStack, type TestStack } from '../helpers/stack';
import { createTestUser } from '../helpers/users';

const DAY = 86_400_000;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY);
let stack: TestStack;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  stack = await startStack();
  env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATABASE_URL: stack.db.url,
    TEMPORAL_ADDRESS: stack.config.TEMPORAL_ADDRESS,
    TEMPORAL_TASK_QUEUE_PREFIX: stack.config.TEMPORAL_TASK_QUEUE_PREFIX,
    COHORT_ENCRYPTION_KEY: stack.config.COHORT_ENCRYPTION_KEY,
  };
});
afterAll(async () => {
  await stack?.close();
});

async function run(entry: string, args: string[] = []) {
  const script = runScript(entry, env, args);
  const { code } = await script.exited;
  return { code, output: script.output() };
}

describe('npm run cleanup-expired-data', () => {
  it('--dry-run shows progress, prints what is due, and deletes nothing', async () => {
    const tag = randomUUID();
    await stack.knex('auditLogs').insert([
      { action: tag, timestamp: daysAgo(91) },
      { action: tag, timestamp: daysAgo(89) },
    ]);
    const dry = await run('scripts/cleanup-expired-data.ts', ['--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.output).toMatch(/retention:\S+:dry-run \[\d+\/\d+\] /);
    expect(dry.output).toMatch(/dry run: nothing changed/);
    expect(dry.output).toMatch(/audit-logs\s+delete\s+1\s/);
    expect(await stack.knex('auditLogs').where({ action: tag }).count({ n: '*' })).toEqual([{ n: 2 }]);

    const real = await run('scripts/cleanup-expired-data.ts', ['--json']);
    expect(real.code).toBe(0);
    const report = JSON.parse(real.output.slice(real.output.indexOf('{')));
    expect(report.policies.find((p: { name: string }) => p.name === 'audit-logs').count).toBe(1);
    expect(await stack.knex('auditLogs').where({ action: tag }).count({ n: '*' })).toEqual([{ n: 1 }]);
  });

  it('anonymizes a graduate past the window through the privacy erasure, and exits 0', async () => {
    const { user } = await createTestUser(stack.knex);
    await stack.knex('enrollments').insert({
      userId: user.id,
      trackCode: 'DP',
      status: 'COMPLETED',
      graduationDate: daysAgo(40).toISOString().slice(0, 10),
    });
    const result = await run('scripts/cleanup-expired-data.ts');
    expect(result.code, result.output).toBe(0);
    expect(result.output).toMatch(/learning-data\s+anonymize\s+1\s/);
    expect(await stack.knex('users').where({ id: user.id }).first('anonymized')).toEqual({ anonymized: true });
  });

  it('refuses unknown arguments with exit code 2', async () => {
    expect((await run('scripts/cleanup-expired-data.ts', ['--dryrun'])).code).toBe(2);
  });
});

describe('the compliance report', () => {
  it('answers admins over HTTP and the command line with the same content; 403 for students', async () => {
    const admin = await createTestUser(stack.knex, { role: 'admin' });
    const student = await createTestUser(stack.knex);
    await stack.knex('users').where({ id: student.user.id }).update({
      legalHold: true,
      legalHoldAt: new Date(),
      legalHoldReason: 'tax audit',
      marketingConsent: true,
    });
    const stale = await createTestUser(stack.knex);
    await stack.knex('users').where({ id: stale.user.id }).update({ privacyVersion: 'old-version' });
    const overdue = await openPrivacyRequest(stack.knex, {
      kind: 'export',
      userId: student.user.id,
      sourceKey: `t:${randomUUID()}`,
      openedAt: daysAgo(35),
    });
    await openPrivacyRequest(stack.knex, {
      kind: 'deletion',
      userId: student.user.id,
      sourceKey: `t:${randomUUID()}`,
      openedAt: daysAgo(2),
    });

    expect((await stack.http.as(student.token).request('GET', '/api/admin/compliance/report')).status).toBe(403);
    expect((await stack.http.request('GET', '/api/admin/compliance/report')).status).toBe(401);
    const res = await stack.http.as(admin.token).request('GET', '/api/admin/compliance/report/');
    expect(res.status).toBe(200);
    const report = res.body;
    expect(report.consent.mustReconsent.userIds).toContain(stale.user.id);
    expect(report.consent.byVersion).toContainEqual(
      expect.objectContaining({ privacyVersion: 'old-version', users: 1 }),
    );
    expect(report.consent.mustReconsent.userIds).not.toContain(student.user.id);
    expect(report.consent.marketing.granted).toBeGreaterThanOrEqual(1);
    expect(report.privacyRequests.open).toEqual(
      expect.arrayContaining([
        { kind: 'export', count: 1 },
        { kind: 'deletion', count: 1 },
      ]),
    );
    expect(report.privacyRequests.overdue).toBe(1);
    expect(report.privacyRequests.attention).toEqual([expect.objectContaining({ id: overdue.id, overdue: true })]);
    expect(report.legalHolds).toEqual([expect.objectContaining({ userId: student.user.id, reason: 'tax audit' })]);
    // The runs of the cleanup tests above, newest first, with what they removed.
    expect(report.retentionRuns.length).toBeGreaterThanOrEqual(2);
    expect(report.retentionRuns[0].failedPolicies).toEqual([]);
    expect(report.retentionRuns.some((r: { removed: Record<string, number> }) => r.removed['audit-logs'] === 1)).toBe(
      true,
    );
    expect(report.erasureReports).toMatchObject({ available: true });

    const json = await run('scripts/compliance-report.ts', ['--json']);
    expect(json.code).toBe(0);
    const fromCli = JSON.parse(json.output);
    expect({ ...fromCli, generatedAt: null }).toEqual({ ...report, generatedAt: null });
    const table = await run('scripts/compliance-report.ts');
    expect(table.code).toBe(0);
    expect(table.output).toMatch(/Privacy requests: 1 deletion, 1 export open, 1 overdue/);
    expect(table.output).toMatch(/OVERDUE export/);
  });
});
