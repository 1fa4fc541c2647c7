import { randomBytes } from 'node:crypto';
import { createWorkspaceActivities } from '../activities/workspace';
import { createDbSecretStore, encryptionKey } from '../lib/adapters/secret-store/index';
import { createKnex } from '../lib/db/knex';
import { requestWorkspace } from '../lib/workspaces/request-workspace';
import { prepareWorkspaceDatabase } from '../lib/workspaces/workspace-database';
import { createFreshDatabase } from '../scripts/lib/local-stack';
import { createTestUser, enrollStudent, trackOutline } from '../scripts/lib/fixtures';
import { reportLoop, reportRatio, timedLoop } from './lib';
import type { Bench } from './types';

/**
 * Workspace provisioning and deprovisioning latency for STUDENTS (50) students at once:
 * the cohort-workspace activities themselves (role + schema + secret + READY row; then
 * sessions ended, schema and role dropped, secret deleted) on a fresh platform database
 * and a workspace database of its own on the same server, against a `SELECT 1` round trip
 * on the same admin pool in the same run. Goal: p99 at most 1 s each.
 */
const STUDENTS = Number(process.env.BENCH_STUDENTS ?? 50);

const bench: Bench = async (ctx) => {
  const platform = await createFreshDatabase(undefined, 60);
  const workspaceUrl = new URL(platform.url);
  workspaceUrl.pathname = `${workspaceUrl.pathname}_ws`;
  const platformRole = String((await platform.knex.raw('SELECT current_user AS role')).rows[0].role);
  await prepareWorkspaceDatabase({ workspaceUrl: workspaceUrl.toString(), platformUrl: platform.url, platformRole });
  const workspaceKnex = createKnex(workspaceUrl.toString(), { max: STUDENTS });
  try {
    const trainer = await createTestUser(platform.knex, { role: 'trainer' });
    const [first] = await trackOutline(platform.knex, 'DP');
    const students: string[] = [];
    for (let i = 0; i < STUDENTS; i++) {
      const { user } = await createTestUser(platform.knex);
      await enrollStudent(platform.knex, { userId: user.id, trainerUserId: trainer.user.id, track: 'DP' });
      await requestWorkspace(platform.knex, user.id, first!.id);
      students.push(user.id);
    }
    const activities = createWorkspaceActivities({
      knex: platform.knex,
      workspaceKnex,
      secrets: createDbSecretStore(platform.knex, encryptionKey(randomBytes(32).toString('hex'))),
    });
    const expiresAt = new Date(Date.now() + 90 * 86_400_000).toISOString();
    const limits = { maxCount: STUDENTS, maxMs: 120_000, concurrency: STUDENTS };

    const baseline = await timedLoop(limits, async () => void (await workspaceKnex.raw('SELECT 1')));
    const toProvision = [...students];
    const provision = await timedLoop(limits, async () => {
      const result = await activities.provisionWorkspace({ userId: toProvision.pop()!, expiresAt });
      if (!result.provisioned) throw new Error('not provisioned');
    });
    const toDrop = [...students];
    const deprovision = await timedLoop(limits, async () => {
      await activities.deprovisionWorkspace({ userId: toDrop.pop()! });
    });

    ctx.report('workspace_students', STUDENTS, 'count');
    reportLoop(ctx, 'workspace_baseline_select1', baseline);
    reportLoop(ctx, 'workspace_provision', provision);
    reportLoop(ctx, 'workspace_deprovision', deprovision);
    reportRatio(ctx, 'workspace_provision_p99', provision.p99, baseline.p99);
    reportRatio(ctx, 'workspace_deprovision_p99', deprovision.p99, baseline.p99);
  } finally {
    await workspaceKnex.destroy();
    const admin = createKnex(platform.url.replace(/\/[^/]*$/, '/postgres'), { max: 1 });
    await admin.raw(`DROP DATABASE IF EXISTS ${workspaceUrl.pathname.slice(1)} WITH (FORCE)`);
    await admin.destroy();
    await platform.drop();
  }
};

export default bench;
