import { startLocalStack, type LocalStack } from '../scripts/lib/local-stack';
import { enrollStudent, trackOutline } from '../test/helpers/enrollment';
import { createTestUser } from '../test/helpers/users';
import type { Bench, BenchContext } from './types';

/**
 * Review-to-unlock latency: POST /api/submissions/:id/review approving a project's last
 * deliverable, until the API answers with the next project unlocked (the review
 * workflow's record, email, completion, unlock and unlock email, through the real API,
 * worker, PostgreSQL and Temporal), against a no-op workflow round trip (`ping`) on the
 * same Temporal server in the same run.
 */
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 40);
const WARM_UP = 3;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1]!;
}

async function call(stack: LocalStack, token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${stack.baseUrl}${path}`, {
    method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json() as any;
  if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

/** A student whose project 1 awaits only the review of its last deliverable; returns that submission. */
async function prepare(stack: LocalStack, trainer: { user: { id: string }; token: string }, outline: Awaited<ReturnType<typeof trackOutline>>) {
  const student = await createTestUser(stack.knex);
  await enrollStudent(stack.knex, { userId: student.user.id, trainerUserId: trainer.user.id, track: 'DP' });
  const project = outline[0]!;
  await call(stack, student.token, 'POST', `/api/projects/${project.id}/start`);
  const deliverables = project.steps.flatMap((s) => s.deliverables);
  let last = '';
  for (const [n, d] of deliverables.entries()) {
    const submitted = await call(stack, student.token, 'POST', `/api/projects/${project.id}/submissions`, { deliverableId: d.id, repoUrl: `https://github.com/bench/r${n}` });
    last = submitted.id;
    if (n < deliverables.length - 1) await call(stack, trainer.token, 'POST', `/api/submissions/${submitted.id}/review`, { decision: 'APPROVED', feedback: 'ok' });
  }
  return last;
}

async function measureReviews(stack: LocalStack, count: number): Promise<number[]> {
  const trainer = await createTestUser(stack.knex, { role: 'trainer' });
  const outline = await trackOutline(stack.knex, 'DP');
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    const submissionId = await prepare(stack, trainer, outline);
    const t0 = performance.now();
    const reviewed = await call(stack, trainer.token, 'POST', `/api/submissions/${submissionId}/review`, { decision: 'APPROVED', feedback: 'Well done.' });
    latencies.push(performance.now() - t0);
    if (reviewed.outcome?.unlockedProjectId !== outline[1]!.id) throw new Error(`review did not unlock project 2: ${JSON.stringify(reviewed)}`);
  }
  return latencies.sort((a, b) => a - b);
}

async function measurePing(stack: LocalStack, count: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await stack.client.workflow.execute('ping', { args: ['pong'], taskQueue: stack.taskQueues.default, workflowId: `bench-ping-${Date.now()}-${i}` });
    latencies.push(performance.now() - t0);
  }
  return latencies.sort((a, b) => a - b);
}

function report(ctx: BenchContext, name: string, sorted: number[]) {
  ctx.report(`${name}_p50`, Number(percentile(sorted, 50).toFixed(2)), 'ms');
  ctx.report(`${name}_p99`, Number(percentile(sorted, 99).toFixed(2)), 'ms');
}

const bench: Bench = async (ctx) => {
  const stack = await startLocalStack();
  try {
    await measurePing(stack, WARM_UP);
    await measureReviews(stack, WARM_UP);
    const ping = await measurePing(stack, SAMPLES);
    const review = await measureReviews(stack, SAMPLES);
    ctx.report('review_samples', review.length, 'count');
    report(ctx, 'review_to_unlock', review);
    report(ctx, 'ping_workflow_roundtrip', ping);
    ctx.report('review_to_unlock_p50_vs_ping', Number((percentile(review, 50) / percentile(ping, 50)).toFixed(2)), 'x');
    ctx.report('review_to_unlock_p99_vs_ping', Number((percentile(review, 99) / percentile(ping, 99)).toFixed(2)), 'x');
  } finally {
    await stack.close();
  }
};

export default bench;
