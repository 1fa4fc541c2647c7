import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRetentionStatus, startRetentionRun } from '../../api/workflows/retention';
import { openPrivacyRequest } from '../../lib/compliance/privacy-requests';
import { PROJECT_ROOT } from '../../scripts/lib/tools';
import { ensureRetentionSchedule, retentionScheduleId } from '../../worker/schedules';
import { startStack, type TestStack } from '../helpers/stack';
import { createTestUser } from '../helpers/users';

const DAY = 86_400_000;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY);
let stack: TestStack;
const deps = () => ({ temporal: stack.client, taskQueues: stack.taskQueues });

beforeAll(async () => {
  stack = await startStack({ adminAlerts: { email: 'ops@example.test' } });
});
afterAll(async () => {
  await stack?.close();
});

async function seedExpiredData() {
  const { user } = await createTestUser(stack.knex);
  const graduate = (await createTestUser(stack.knex)).user.id;
  await stack.knex('enrollments').insert({
    userId: graduate,
    trackCode: 'DP',
    status: 'COMPLETED',
    graduationDate: daysAgo(31).toISOString().slice(0, 10),
  });
  const tag = randomUUID();
  await stack
    .knex('auditLogs')
    .insert([
      ...Array.from({ length: 7 }, () => ({ userId: user.id, action: tag, timestamp: daysAgo(91) })),
      ...Array.from({ length: 3 }, () => ({ userId: user.id, action: tag, timestamp: daysAgo(89) })),
    ]);
  const request = await openPrivacyRequest(stack.knex, {
    kind: 'deletion',
    userId: user.id,
    sourceKey: `test:${tag}`,
    openedAt: daysAgo(22),
  });
  return { tag, graduate, requestId: request.id };
}

const tableCounts = async () =>
  Object.fromEntries(
    await Promise.all(
      ['audit_logs', 'users', 'retention_runs', 'privacy_requests', 'email_messages', 'sessions'].map(
        async (t) => [t, Number((await stack.knex(t).count({ n: '*' }))[0]!.n)] as const,
      ),
    ),
  );

describe('RetentionWorkflow', () => {
  it('a dry run counts what is due and writes nothing', async () => {
    const seeded = await seedExpiredData();
    const before = await tableCounts();
    const handle = await startRetentionRun(deps(), { dryRun: true, date: `dry-${randomUUID()}` });
    const report = await handle.result();
    expect(report.dryRun).toBe(true);
    const byName = Object.fromEntries(report.policies.map((p) => [p.name, p]));
    expect(byName['audit-logs']!.count).toBeGreaterThanOrEqual(7);
    expect(byName['learning-data']).toMatchObject({ count: 1, status: 'done' });
    expect(byName['privacy-request-deadlines']!.count).toBeGreaterThanOrEqual(1);
    expect(await tableCounts()).toEqual(before);
    expect(await stack.knex('privacyRequests').where({ id: seeded.requestId }).first('remindedAt')).toEqual({
      remindedAt: null,
    });
    // Clean up for the next test's exact counts.
    await stack.knex('auditLogs').where({ action: seeded.tag }).delete();
    await stack.knex('enrollments').where({ userId: seeded.graduate }).delete();
    await stack.knex('privacyRequests').where({ id: seeded.requestId }).delete();
  });

  it('deletes the expired rows in batches across continued runs, reports, alerts, and anonymizes the due graduate through the privacy erasure', async () => {
    const seeded = await seedExpiredData();
    const handle = await startRetentionRun(deps(), {
      date: `test-${randomUUID()}`,
      tuning: { initialBatch: 2, maxBatch: 2, budgetMs: 0, activityCallsPerRun: 3 },
    });
    const report = await handle.result();
    const byName = Object.fromEntries(report.policies.map((p) => [p.name, p]));
    expect(report.status).toBe('COMPLETED');
    expect(byName['audit-logs']).toMatchObject({ count: 7, status: 'done' });
    expect(byName['audit-logs']!.batches).toBeGreaterThanOrEqual(1);
    expect(byName['learning-data']).toMatchObject({ action: 'anonymize', count: 1, failed: 0, status: 'done' });
    expect(byName['privacy-request-deadlines']).toMatchObject({ action: 'alert', count: 1 });

    expect(await stack.knex('auditLogs').where({ action: seeded.tag }).count({ n: '*' })).toEqual([{ n: 3 }]);
    expect(await stack.knex('users').where({ id: seeded.graduate }).first('anonymized')).toEqual({ anonymized: true });

    const status = await queryRetentionStatus(handle);
    expect(status).toMatchObject({ phase: 'done' });
    expect(status!.continuedTimes).toBeGreaterThan(0);

    const runs = await stack.knex('retentionRuns').where({ workflowId: handle.workflowId });
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'COMPLETED', dryRun: false });
    expect(runs[0].finishedAt).toBeInstanceOf(Date);
    expect(runs[0].report.policies).toEqual(report.policies);

    const alert = await stack
      .knex('emailMessages')
      .where({ idempotencyKey: `privacy-request:${seeded.requestId}:day-21` })
      .first('template');
    expect(alert).toEqual({ template: 'admin-alert' });
    expect(await stack.knex('privacyRequests').where({ id: seeded.requestId }).first('remindedBy')).toEqual({
      remindedBy: `${handle.workflowId}:${runs[0].firstRunId}`,
    });

    if (process.env.RECORD_RETENTION_HISTORY) {
      const first = await stack.decodedHistory(handle.workflowId, runs[0].firstRunId);
      writeFileSync(join(PROJECT_ROOT, 'test/histories/retention-1.json'), historyToJSON(first));
      const second = await stack.decodedHistory(handle.workflowId);
      writeFileSync(join(PROJECT_ROOT, 'test/histories/retention-2.json'), historyToJSON(second));
    }
  });
});

describe('the retention-daily Schedule', () => {
  it('is created once and brought to the configured spec on every start', async () => {
    const scheduleId = retentionScheduleId(stack.config.TEMPORAL_TASK_QUEUE_PREFIX);
    const config = { ...stack.config, RETENTION_SCHEDULE_TIME_ZONE: 'Europe/Paris' };
    try {
      expect(await ensureRetentionSchedule(stack.client, config, stack.taskQueues)).toBe('created');
      await stack.client.schedule.getHandle(scheduleId).pause('ops paused it');
      const changed = { ...config, RETENTION_SCHEDULE_CRON: '15 2 * * *', RETENTION_SCHEDULE_CATCHUP: 3_600_000 };
      expect(await ensureRetentionSchedule(stack.client, changed, stack.taskQueues)).toBe('updated');

      const described = await stack.client.schedule.getHandle(scheduleId).describe();
      expect(described.spec.timezone).toBe('Europe/Paris');
      expect(described.spec.calendars).toEqual([
        expect.objectContaining({ hour: [{ start: 2, end: 2, step: 1 }], minute: [{ start: 15, end: 15, step: 1 }] }),
      ]);
      expect(described.policies).toMatchObject({ overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: 3_600_000 });
      expect(described.action).toMatchObject({
        type: 'startWorkflow',
        workflowType: 'retention',
        taskQueue: stack.taskQueues.default,
        workflowId: 'retention:daily',
      });
      // Ops' pause survives a worker restart.
      expect(described.state.paused).toBe(true);
    } finally {
      await stack.client.schedule.getHandle(scheduleId).delete();
    }
  });
});
