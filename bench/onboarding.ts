import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { hashToken, newToken } from '../lib/auth/tokens';
import { policiesRepo } from '../lib/db/repositories/policies';
import { startCohortStack } from '../scripts/lib/local-stack';
import { buildWorkflowBundle } from '../worker/worker';
import { reportRatio } from './lib';
import type { Bench } from './types';

const SAGAS = Number(process.env.BENCH_ONBOARDING_SAGAS ?? 30);
/** The sagas must all have sent their welcome email by then. */
const MAX_WAIT_MS = 120_000;

/**
 * Onboarding sagas completed per second end to end (checkout through the API, payment at
 * the stand-in, signed webhook, saga to the welcome email and admin alert) against a
 * no-op workflow with the same number of activities on the same Temporal server.
 */
const bench: Bench = async (ctx) => {
  const stack = await startCohortStack({ stripe: true, adminAlerts: { email: 'ops@cohort.test' } });
  try {
    const { knex } = stack;
    const versions = await policiesRepo.activeVersions(knex);
    for (let i = 0; i < 2; i++) {
      const [trainerUser] = await knex('users')
        .insert({ email: `trainer-${i}-${Date.now()}@bench.test`, fullName: 'Bench Trainer', role: 'trainer' })
        .returning('id');
      await knex('trainers').insert({ userId: trainerUser.id, tracks: ['DP'], maxStudents: 20 });
    }
    const students: { id: string; token: string }[] = [];
    for (let i = 0; i < SAGAS; i++) {
      const [user] = await knex('users')
        .insert({
          email: `student-${i}-${Date.now()}@bench.test`,
          fullName: 'Bench Student',
          role: 'student',
          privacyAccepted: true,
          privacyAcceptedAt: new Date(),
          privacyVersion: versions.privacyVersion,
          termsVersion: versions.termsVersion,
        })
        .returning('id');
      const token = newToken();
      await knex('sessions').insert({
        userId: user.id,
        tokenHash: hashToken(token),
        expiresAt: new Date(Date.now() + 3_600_000),
      });
      students.push({ id: user.id as string, token });
    }

    const started = performance.now();
    await Promise.all(
      students.map(async (s) => {
        const res = await fetch(`${stack.baseUrl}/api/payments/checkout`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${s.token}` },
          body: JSON.stringify({ track: 'DP' }),
        });
        if (res.status !== 201) throw new Error(`checkout answered ${res.status}: ${await res.text()}`);
        const { checkoutUrl } = (await res.json()) as { checkoutUrl: string };
        await (await fetch(checkoutUrl, { method: 'POST' })).arrayBuffer();
      }),
    );
    for (;;) {
      const [row] = await knex('email_messages').where({ template: 'welcome' }).count({ n: '*' });
      if (Number(row?.n) >= SAGAS) break;
      if (performance.now() - started > MAX_WAIT_MS)
        throw new Error(
          `only ${String(row?.n)} of ${SAGAS} sagas sent their welcome email within ${MAX_WAIT_MS / 1000} s`,
        );
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const sagaSeconds = (performance.now() - started) / 1000;

    const noopBundle = await buildWorkflowBundle(
      fileURLToPath(new URL('./support/noop-saga.workflow.ts', import.meta.url)),
    );
    const taskQueue = `${stack.taskQueues.default}-noop`;
    const worker = await Worker.create({
      connection: stack.nativeConnection,
      // The same payload codec as the sagas' worker: the baseline pays for encryption too.
      dataConverter: stack.dataConverter,
      taskQueue,
      workflowBundle: noopBundle,
      activities: { noop: async () => undefined },
    });
    const noopSeconds = await worker.runUntil(async () => {
      const t0 = performance.now();
      await Promise.all(
        students.map((s) => stack.client.workflow.execute('noopSaga', { taskQueue, workflowId: `noop-saga-${s.id}` })),
      );
      return (performance.now() - t0) / 1000;
    });

    const sagaRate = SAGAS / sagaSeconds;
    const noopRate = SAGAS / noopSeconds;
    ctx.report('onboarding_sagas_per_second', Number(sagaRate.toFixed(2)), 'sagas/s');
    ctx.report('noop_workflow_same_activity_count_per_second', Number(noopRate.toFixed(2)), 'workflows/s');
    reportRatio(ctx, 'onboarding_sagas_per_second', sagaRate, noopRate);
  } finally {
    await stack.close();
  }
};

export default bench;
