import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { stopUserWorkflows } from '../../activities/user-workflows';
import { onboardingStartOptions } from '../../api/workflows/onboarding';
import { waitFor } from '../helpers/payments';
import { startStack, type TestStack } from '../helpers/stack';
import { createTestUser } from '../helpers/users';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

const quiet = new DefaultLogger('ERROR');

async function visible(query: string): Promise<number> {
  let n = 0;
  for await (const _ of stack.client.workflow.list({ query })) n++;
  return n;
}

describe("stopUserWorkflows (the erasure's step)", () => {
  it('reports the same on a retry after an attempt that cancelled, then died', async () => {
    const { user } = await createTestUser(stack.knex);
    const scheduledTimestampMs = Date.now() - 1_000;
    const run = await stack.client.workflow.start(
      'onboarding',
      onboardingStartOptions({ ...stack, temporal: stack.client }, user.id, 'FSD'),
    );
    const mine = `CohortUserId = '${user.id}'`;
    await waitFor('the run in visibility', async () =>
      (await visible(`${mine} AND ExecutionStatus = 'Running'`)) === 1 ? true : undefined,
    );
    const stop = (attempt: number, scheduled = scheduledTimestampMs) =>
      new MockActivityEnvironment({ attempt, scheduledTimestampMs: scheduled }, { logger: quiet }).run(
        stopUserWorkflows,
        stack.client,
        { userId: user.id, exceptWorkflowId: `account-deletion:${user.id}` },
      );
    const report = { cancelled: 1, told: 0, byType: { onboarding: 1 } };
    expect(await stop(1)).toEqual(report);
    expect((await run.describe()).status.name).toBe('CANCELLED');
    await waitFor('the close in visibility', async () =>
      (await visible(`${mine} AND ExecutionStatus = 'Canceled'`)) === 1 ? true : undefined,
    );
    // The retry finds nothing running, and counts the run its earlier attempt stopped.
    expect(await stop(2)).toEqual(report);
    // A step scheduled after that close (another erasure) did not stop it.
    expect(await stop(2, Date.now())).toEqual({ cancelled: 0, told: 0, byType: {} });
    expect(await stop(1)).toEqual({ cancelled: 0, told: 0, byType: {} });
  }, 60_000);
});
