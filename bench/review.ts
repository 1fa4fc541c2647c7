import { randomUUID } from 'node:crypto';
import { startCohortStack, type CohortStack } from '../scripts/lib/local-stack';
import { createTestUser, enrollStudent, trackOutline } from '../scripts/lib/fixtures';
import { reportLoop, reportRatio, timedLoop, type LoopLimits } from './lib';
import type { Bench } from './types';

/**
 * Review-to-unlock latency: POST /api/submissions/:id/review approving a project's last
 * deliverable, until the API answers with the next project unlocked (the review recorded,
 * its workflow started, and its settlement (completion, unlock) committed in a local
 * activity and reported through the `settled` Update; the emails follow after the answer),
 * through the real API, worker, PostgreSQL and Temporal, against a no-op workflow round
 * trip (`ping`) on the same Temporal server in the same run.
 */
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 40);
const LIMITS: LoopLimits = { maxCount: SAMPLES, maxMs: 60_000 };
const WARM_UP: LoopLimits = { maxCount: 3, maxMs: 20_000 };

async function call(stack: CohortStack, token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${stack.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as any;
  if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

/** A student whose project 1 awaits only the review of its last deliverable; returns that submission. */
async function prepare(
  stack: CohortStack,
  trainer: { user: { id: string }; token: string },
  outline: Awaited<ReturnType<typeof trackOutline>>,
) {
  const student = await createTestUser(stack.knex);
  await enrollStudent(stack.knex, { userId: student.user.id, trainerUserId: trainer.user.id, track: 'DP' });
  const project = outline[0]!;
  await call(stack, student.token, 'POST', `/api/projects/${project.id}/start`);
  const deliverables = project.steps.flatMap((s) => s.deliverables);
  let last = '';
  for (const [n, d] of deliverables.entries()) {
    const submitted = await call(stack, student.token, 'POST', `/api/projects/${project.id}/submissions`, {
      deliverableId: d.id,
      repoUrl: `https://github.com/bench/r${n}`,
    });
    last = submitted.id;
    if (n < deliverables.length - 1)
      await call(stack, trainer.token, 'POST', `/api/submissions/${submitted.id}/review`, {
        decision: 'APPROVED',
        feedback: 'ok',
      });
  }
  return last;
}

/** Times only the approving review: the students are prepared before the loop starts. */
async function measureReviews(stack: CohortStack, limits: LoopLimits) {
  const trainer = await createTestUser(stack.knex, { role: 'trainer' });
  const outline = await trackOutline(stack.knex, 'DP');
  const pending: string[] = [];
  for (let i = 0; i < limits.maxCount; i++) pending.push(await prepare(stack, trainer, outline));
  return timedLoop(limits, async () => {
    const reviewed = await call(stack, trainer.token, 'POST', `/api/submissions/${pending.pop()!}/review`, {
      decision: 'APPROVED',
      feedback: 'Well done.',
    });
    if (reviewed.outcome?.unlockedProjectId !== outline[1]!.id)
      throw new Error(`review did not unlock project 2: ${JSON.stringify(reviewed)}`);
  });
}

function measurePing(stack: CohortStack, limits: LoopLimits) {
  return timedLoop(limits, async () => {
    await stack.client.workflow.execute('ping', {
      args: ['pong'],
      taskQueue: stack.taskQueues.default,
      workflowId: `bench-ping-${randomUUID()}`,
    });
  });
}

const bench: Bench = async (ctx) => {
  const stack = await startCohortStack();
  try {
    await measurePing(stack, WARM_UP);
    await measureReviews(stack, WARM_UP);
    const ping = await measurePing(stack, LIMITS);
    const review = await measureReviews(stack, LIMITS);
    ctx.report('review_samples', review.count, 'count');
    reportLoop(ctx, 'review_to_unlock', review);
    reportLoop(ctx, 'ping_workflow_roundtrip', ping);
    reportRatio(ctx, 'review_to_unlock_p50', review.p50, ping.p50);
    reportRatio(ctx, 'review_to_unlock_p99', review.p99, ping.p99);
  } finally {
    await stack.close();
  }
};

export default bench;
