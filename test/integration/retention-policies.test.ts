import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimDeadlineAlerts, openPrivacyRequest } from '../../lib/compliance/privacy-requests';
import { findPolicy, RETENTION_POLICIES } from '../../lib/retention/policies';
import {
  DEFAULT_RETENTION_SETTINGS,
  type DeletionPolicy,
  type RetentionContext,
  type SubjectPolicy,
} from '../../lib/retention/policy';
import { runDeletion } from '../../lib/retention/run-deletion';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { createTestUser } from '../helpers/users';

const DAY = 86_400_000;
const asOf = new Date();
const ctx: RetentionContext = {
  asOf,
  settings: DEFAULT_RETENTION_SETTINGS,
};
const daysAgo = (n: number) => new Date(asOf.getTime() - n * DAY);
const dateDaysAgo = (n: number) => daysAgo(n).toISOString().slice(0, 10);
const yearsAgo = (years: number, plusDays: number) => {
  const d = new Date(asOf);
  d.setUTCFullYear(d.getUTCFullYear() - years);
  return new Date(d.getTime() + plusDays * DAY);
};

let db: TestDatabase;
const deletion = (name: string) => findPolicy(name) as DeletionPolicy;
const ids = async (table: string, key = 'id') => (await db.knex(table).pluck(key)).map(String).sort();

async function runAll(name: string) {
  return runDeletion(db.knex, deletion(name), ctx, { cursor: null }, undefined, { initialBatch: 2, maxBatch: 3 });
}

/** Every table the policies touch, as key lists: a dry run must leave them exactly so. */
async function snapshot() {
  const tables: [string, string][] = [
    ['audit_logs', 'id'],
    ['stripe_events', 'id'],
    ['email_messages', 'id'],
    ['slack_posts', 'idempotency_key'],
    ['enrollment_status_requests', 'id'],
    ['payments', 'id'],
    ['sessions', 'id'],
    ['account_tokens', 'id'],
    ['rate_limits', 'key'],
    ['users', 'id'],
    ['privacy_requests', 'id'],
    ['data_exports', 'id'],
    ['workspaces', 'id'],
  ];
  return Object.fromEntries(await Promise.all(tables.map(async ([t, k]) => [t, await ids(t, k)] as const)));
}

let held: string;
let free: string;
const expected: Record<string, { kept: string[]; gone: string[] }> = {};

async function audit(userId: string | null, days: number): Promise<string> {
  const [row] = await db
    .knex('auditLogs')
    .insert({ userId, action: 'test', timestamp: daysAgo(days) })
    .returning('id');
  return String((row as { id: number }).id);
}

beforeAll(async () => {
  db = await createTestDatabase();
  held = (await createTestUser(db.knex)).user.id;
  free = (await createTestUser(db.knex)).user.id;
  await db.knex('users').where({ id: held }).update({ legalHold: true, legalHoldReason: 'litigation' });
  await db.knex('sessions').delete();

  expected['audit_logs'] = {
    gone: [await audit(free, 91), await audit(null, 91)],
    kept: [await audit(free, 89), await audit(null, 89), await audit(held, 91)],
  };

  const stripe = async (days: number) => {
    const id = `evt_${randomUUID()}`;
    await db.knex('stripeEvents').insert({ id, type: 'checkout.session.completed', receivedAt: daysAgo(days) });
    return id;
  };
  expected['stripe_events'] = { gone: [await stripe(91)], kept: [await stripe(89)] };

  const email = async (userId: string | null, days: number) => {
    const [row] = await db
      .knex('emailMessages')
      .insert({
        idempotencyKey: randomUUID(),
        userId,
        toAddress: 'a@example.test',
        template: 'welcome',
        subject: 's',
        htmlBody: 'h',
        textBody: 't',
        status: 'SENT',
        createdAt: daysAgo(days),
      })
      .returning('id');
    return (row as { id: string }).id;
  };
  expected['email_messages'] = { gone: [await email(free, 91)], kept: [await email(free, 89), await email(held, 91)] };

  const slack = async (days: number, status = 'POSTED') => {
    const key = `k-${randomUUID()}`;
    await db
      .knex('slackPosts')
      .insert({ idempotencyKey: key, kind: 'student-enrolled', status, createdAt: daysAgo(days) });
    return key;
  };
  expected['slack_posts'] = { gone: [await slack(91)], kept: [await slack(89), await slack(91, 'POSTING')] };

  const [enrollment] = await db
    .knex('enrollments')
    .insert({ userId: free, trackCode: 'DP', status: 'ENROLLED' })
    .returning('id');
  const enrollmentId = (enrollment as { id: string }).id;
  const statusRequest = async (decidedDays: number | null) => {
    const [row] = await db
      .knex('enrollmentStatusRequests')
      .insert({
        enrollmentId,
        action: 'suspend',
        outcome: decidedDays === null ? null : 'applied',
        decidedAt: decidedDays === null ? null : daysAgo(decidedDays),
        createdAt: daysAgo(200),
      })
      .returning('id');
    return (row as { id: string }).id;
  };
  expected['enrollment_status_requests'] = {
    gone: [await statusRequest(91)],
    kept: [await statusRequest(89), await statusRequest(null)],
  };

  const payment = async (userId: string | null, paidAt: Date) => {
    const [row] = await db
      .knex('payments')
      .insert({
        userId,
        trackCode: 'DP',
        stripeCheckoutSessionId: `cs_${randomUUID()}`,
        amountCents: 100,
        currency: 'eur',
        paidAt,
      })
      .returning('id');
    return (row as { id: string }).id;
  };
  expected['payments'] = {
    gone: [await payment(free, yearsAgo(7, -1)), await payment(null, yearsAgo(7, -1))],
    kept: [await payment(free, yearsAgo(7, 1)), await payment(held, yearsAgo(7, -1))],
  };

  const session = async (expiresInDays: number, lastSeenDaysAgo: number, revoked = false) => {
    const [row] = await db
      .knex('sessions')
      .insert({
        userId: free,
        tokenHash: randomUUID(),
        expiresAt: daysAgo(-expiresInDays),
        lastSeenAt: daysAgo(lastSeenDaysAgo),
        revokedAt: revoked ? daysAgo(1) : null,
      })
      .returning('id');
    return (row as { id: string }).id;
  };
  expected['sessions'] = {
    gone: [await session(-1, 1), await session(10, 8), await session(10, 1, true)],
    kept: [await session(10, 6), await session(1, 0)],
  };

  const token = async (expiresDaysAgo: number, usedDaysAgo: number | null) => {
    const [row] = await db
      .knex('accountTokens')
      .insert({
        userId: free,
        tokenHash: randomUUID(),
        purpose: 'verify-email',
        expiresAt: daysAgo(expiresDaysAgo),
        usedAt: usedDaysAgo === null ? null : daysAgo(usedDaysAgo),
      })
      .returning('id');
    return (row as { id: string }).id;
  };
  expected['account_tokens'] = {
    gone: [await token(2, null), await token(-1, 2)],
    kept: [await token(-1, null), await token(0.5, null), await token(-1, 0.5)],
  };

  const limit = async (expire: number | null) => {
    const key = `rl-${randomUUID()}`;
    await db.knex('rateLimits').insert({ key, points: 1, expire });
    return key;
  };
  expected['rate_limits'] = {
    gone: [await limit(asOf.getTime() - 1000)],
    kept: [await limit(asOf.getTime() + 60_000), await limit(null)],
  };

  // Exports: the link expired 31 days ago and the archive is gone → the record goes; 29 days,
  // an archive still stored (its workflow lost), a held user or a build still running → kept.
  const exported = async (
    userId: string,
    expiredDaysAgo: number,
    options: { archiveGone?: boolean; status?: string } = {},
  ) => {
    const id = randomUUID();
    const archiveGone = options.archiveGone ?? true;
    await db.knex('dataExports').insert({
      id,
      userId,
      status: options.status ?? (archiveGone ? 'EXPIRED' : 'READY'),
      workflowId: `data-export:${userId}:${id}`,
      blobKey: `exports/${userId}/${id}.zip`,
      createdAt: daysAgo(expiredDaysAgo + 7),
      expiresAt: daysAgo(expiredDaysAgo),
      deletedAt: archiveGone ? daysAgo(expiredDaysAgo) : null,
    });
    return id;
  };
  expected['data_exports'] = {
    gone: [await exported(free, 31)],
    kept: [
      await exported(free, 29),
      await exported(free, 31, { archiveGone: false }),
      await exported(held, 31),
      await exported(free, 31, { archiveGone: false, status: 'RUNNING' }),
    ],
  };

  // Workspaces (one per student): dropped 31 days ago → the record goes; 29 days, still
  // running, or a held student's → kept.
  const project = await db.knex('projects').first('id');
  const workspace = async (status: string, droppedDaysAgo: number | null, userId?: string) => {
    const owner = userId ?? (await createTestUser(db.knex)).user.id;
    await db.knex('sessions').where({ userId: owner }).delete();
    const [row] = await db
      .knex('workspaces')
      .insert({
        userId: owner,
        projectId: project.id,
        schemaName: `dp_student_${owner.slice(0, 8)}`,
        roleName: `dp_student_${owner.slice(0, 8)}`,
        status,
        workflowId: `workspace:${owner}`,
        deprovisionedAt: droppedDaysAgo === null ? null : daysAgo(droppedDaysAgo),
        updatedAt: daysAgo(droppedDaysAgo ?? 40),
      })
      .returning('id');
    return (row as { id: string }).id;
  };
  expected['workspaces'] = {
    gone: [await workspace('DEPROVISIONED', 31), await workspace('FAILED', null)],
    kept: [
      await workspace('DEPROVISIONED', 29),
      await workspace('READY', null),
      await workspace('DEPROVISIONED', 31, held),
    ],
  };
});

afterAll(async () => {
  await db?.drop();
});

const keyOf: Record<string, string> = { slack_posts: 'idempotency_key', rate_limits: 'key' };
const policyOf: Record<string, string> = {
  audit_logs: 'audit-logs',
  stripe_events: 'stripe-events',
  email_messages: 'email-logs',
  slack_posts: 'slack-posts',
  enrollment_status_requests: 'enrollment-status-requests',
  payments: 'payments',
  sessions: 'sessions',
  account_tokens: 'account-tokens',
  rate_limits: 'rate-limits',
  data_exports: 'expired-exports',
  workspaces: 'orphaned-workspaces',
};

describe('retention policies', () => {
  it('every policy has a distinct name and a description', () => {
    const names = RETENTION_POLICIES.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    for (const p of RETENTION_POLICIES) expect(p.description.length).toBeGreaterThan(10);
  });

  it('counts exactly the expired rows, and counting changes nothing (dry run)', async () => {
    const before = await snapshot();
    for (const [table, policy] of Object.entries(policyOf)) {
      expect(await deletion(policy).countDue(db.knex, ctx), table).toBe(expected[table]!.gone.length);
    }
    expect(await snapshot()).toEqual(before);
  });

  it.each(Object.entries(policyOf))('%s: deletes exactly the expired rows, in batches', async (table, policy) => {
    const { gone, kept } = expected[table]!;
    const before = await ids(table, keyOf[table]);
    for (const k of [...gone, ...kept]) expect(before).toContain(k);
    const progress = await runAll(policy);
    expect(progress.done).toBe(true);
    expect(progress.handled).toBe(gone.length);
    const after = await ids(table, keyOf[table]);
    for (const k of gone) expect(after).not.toContain(k);
    for (const k of kept) expect(after).toContain(k);
    expect(after.length).toBe(before.length - gone.length);
    // A second run finds nothing left.
    expect(await deletion(policy).countDue(db.knex, ctx)).toBe(0);
  });

  it('walks a long table in several batches, each statement short, resuming from a cursor', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => ({ action: 'bulk', timestamp: daysAgo(100 + (i % 50)) }));
    await db.knex('auditLogs').insert(rows);
    await db.knex('auditLogs').insert(rows.map((r) => ({ ...r, timestamp: daysAgo(1) })));
    const first = await runDeletion(db.knex, deletion('audit-logs'), ctx, { cursor: null }, undefined, {
      initialBatch: 1,
      maxBatch: 1,
      budgetMs: 0,
    });
    expect(first.batches).toBe(1);
    expect(first.done).toBe(false);
    expect(first.handled).toBeGreaterThan(0);
    expect(first.handled).toBeLessThan(3000);
    const batches: number[] = [];
    const rest = await runDeletion(
      db.knex,
      deletion('audit-logs'),
      ctx,
      { cursor: first.cursor },
      (p) => batches.push(p.handled),
      { initialBatch: 2, maxBatch: 4 },
    );
    expect(first.handled + rest.handled).toBe(3000);
    expect(rest.done).toBe(true);
    expect(rest.batches).toBeGreaterThan(2);
    expect(rest.longestStatementMs).toBeLessThan(1000);
    expect(batches.length).toBe(rest.batches);
    expect(await db.knex('auditLogs').where({ action: 'bulk' }).count({ n: '*' })).toEqual([{ n: 3000 }]);
  });
});

describe('learning data after graduation', () => {
  const graduate = async (days: number, flags: Record<string, boolean> = {}, status = 'COMPLETED') => {
    const { user } = await createTestUser(db.knex);
    if (Object.keys(flags).length) await db.knex('users').where({ id: user.id }).update(flags);
    await db.knex('enrollments').insert({
      userId: user.id,
      trackCode: 'DP',
      status,
      graduationDate: status === 'COMPLETED' ? dateDaysAgo(days) : null,
    });
    return user.id;
  };

  it('selects graduates 31 days out, never 29, nor held, consenting, anonymized or still enrolled ones', async () => {
    const due = [await graduate(31), await graduate(45)];
    const notDue = [
      await graduate(29),
      await graduate(31, { legalHold: true }),
      await graduate(31, { dataRetentionConsent: true }),
      await graduate(31, { anonymized: true }),
    ];
    const stillStudying = await graduate(31);
    await db.knex('enrollments').insert({ userId: stillStudying, trackCode: 'FSD', status: 'ENROLLED' });
    notDue.push(stillStudying);

    const policy = findPolicy('learning-data') as SubjectPolicy;
    expect(policy.kind).toBe('subjects');
    expect(await policy.countDue(db.knex, ctx)).toBe(due.length);
    const first = await policy.selectDue(db.knex, ctx, null, 1);
    const second = await policy.selectDue(db.knex, ctx, first.ids[0]!, 10);
    expect([...first.ids, ...second.ids].sort()).toEqual(due.sort());
    for (const id of notDue) expect([...first.ids, ...second.ids]).not.toContain(id);
  });
});

describe('privacy request deadlines', () => {
  it('defaults the deadline to one calendar month and alerts at day 21 and once overdue, each once', async () => {
    const { user } = await createTestUser(db.knex);
    const open = async (days: number) =>
      openPrivacyRequest(db.knex, {
        kind: 'export',
        userId: user.id,
        sourceKey: randomUUID(),
        openedAt: daysAgo(days),
      });
    const fresh = await open(20);
    const day22 = await open(22);
    const late = await open(40);
    const closed = await open(40);
    await db.knex('privacyRequests').where({ id: closed.id }).update({ closedAt: asOf, outcome: 'COMPLETED' });
    const opened = await db.knex('privacyRequests').where({ id: fresh.id }).first('openedAt', 'deadlineAt');
    const month = new Date(opened.openedAt);
    month.setUTCMonth(month.getUTCMonth() + 1);
    expect(Math.abs(new Date(opened.deadlineAt).getTime() - month.getTime())).toBeLessThan(2 * DAY);

    const before = await snapshot();
    const dry = await claimDeadlineAlerts(db.knex, asOf, 'dry', true);
    expect(await snapshot()).toEqual(before);
    const alerts = await claimDeadlineAlerts(db.knex, asOf, 'run-1', false);
    expect(dry).toEqual(alerts);
    expect(alerts.map((a) => `${a.requestId}:${a.stage}`).sort()).toEqual(
      [`${day22.id}:day-21`, `${late.id}:day-21`, `${late.id}:overdue`].sort(),
    );
    // A retried claim of the same run gets the same alerts; another run gets none.
    expect(await claimDeadlineAlerts(db.knex, asOf, 'run-1', false)).toEqual(alerts);
    expect(await claimDeadlineAlerts(db.knex, asOf, 'run-2', false)).toEqual([]);
  });
});
