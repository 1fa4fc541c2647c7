import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { CohortActivities } from '../../activities/index';
import type { AdminAlert } from '../../activities/alerts';
import type { WorkspaceActivities } from '../../activities/workspace';
import { signalDeprovisionNow } from '../../api/workflows/workspace';
import {
  workspaceProjectCompleted,
  workspaceStatusQuery,
  type WorkspaceStatusView,
  type WorkspaceWorkflowInput,
} from '../../workflows/workspace';
import { installTestRuntime } from '../helpers/stack';
import { createTimeSkippingEnv } from '../helpers/time-skipping';

/** The workspace lifecycle with fake activities on the time-skipping server: 90 days pass in seconds. */
let env: TestWorkflowEnvironment;
beforeAll(async () => {
  installTestRuntime();
  env = await createTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

const DAY = 86_400_000;

interface Options {
  /** Tries of provisionWorkspace that fail before one succeeds; 'forever' never succeeds; 'refused' is permanent. */
  provisionFailures?: number | 'refused';
}

async function runWorkspace(
  options: Options,
  drive: (handle: { workflowId: string; queue: string }) => Promise<void> = async () => undefined,
) {
  const userId = randomUUID();
  const calls: { name: string; at: number; detail?: unknown }[] = [];
  const alerts: AdminAlert[] = [];
  const record = async (name: string, detail?: unknown) => calls.push({ name, at: await env.currentTimeMs(), detail });
  let provisionTries = 0;
  const workspaceActivities: WorkspaceActivities = {
    provisionWorkspace: async () => {
      provisionTries += 1;
      await record('provision');
      const failures = options.provisionFailures ?? 0;
      if (failures === 'refused')
        throw ApplicationFailure.nonRetryable('Secrets Manager: AccessDenied', 'SecretStoreRefused');
      if (provisionTries <= failures) throw new Error('secret store unavailable');
      return { provisioned: true, schemaName: 'dp_student_x', projectId: 'project-1', projectTitle: 'SQL Foundations' };
    },
    setWorkspaceStatus: async ({ status }) => void (await record(`status:${status}`)),
    deprovisionWorkspace: async () => void (await record('deprovision')),
    abandonWorkspace: async () => void (await record('abandon')),
  };
  const defaultActivities: Partial<CohortActivities> = {
    // The review of project 1's last deliverable (workflows/review.ts signals the workspace).
    settleReview: async () => ({
      userId,
      projectId: 'project-1',
      projectTitle: 'SQL Foundations',
      deliverableTitle: 'Schema',
      track: 'DP',
      approved: true,
      projectCompleted: true,
      next: null,
      optional: [],
      certificationWorkflowId: null,
    }),
    sendEmail: async (email) => {
      await record(`email:${email.template}`, email.data);
      return { emailMessageId: email.idempotencyKey, status: 'STORED' };
    },
    postSlackAlert: async (alert) => {
      alerts.push(alert);
      return { status: 'POSTED' as const };
    },
    emailAdminAlert: async () => ({ status: 'STORED' as const }),
  };
  const queue = `workspace-wf-${randomUUID()}`;
  const bundle = { codePath: inject('workflowBundlePath') };
  const main = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: queue,
    workflowBundle: bundle,
    activities: defaultActivities,
  });
  const privileged = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: `${queue}-workspace`,
    activities: workspaceActivities,
  });
  const workflowId = `workspace:${userId}`;
  const input: WorkspaceWorkflowInput = { userId, ttlMs: 90 * DAY, workspaceTaskQueue: `${queue}-workspace` };
  const startedAt = await env.currentTimeMs();
  const run = async () => {
    const handle = await env.client.workflow.start('workspace', { args: [input], taskQueue: queue, workflowId });
    await drive({ workflowId, queue });
    return (await handle.result().catch((e: unknown) => e)) as WorkspaceStatusView | Error;
  };
  const result = await privileged.runUntil(main.runUntil(run()));
  return { result, calls, alerts, startedAt, names: calls.map((c) => c.name), provisionTries: () => provisionTries };
}

const waitForPhase = async (workflowId: string, phase: string) => {
  const handle = env.client.workflow.getHandle(workflowId);
  for (let i = 0; i < 100; i++) {
    if ((await handle.query(workspaceStatusQuery)).phase === phase) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`never reached ${phase}`);
};

describe('the workspace workflow', () => {
  it('warns 7 days before WORKSPACE_TTL (90 days) ends, then deprovisions', async () => {
    const { result, calls, names, startedAt } = await runWorkspace({});
    expect(names).toEqual([
      'provision',
      'email:workspace-ready',
      'status:EXPIRING',
      'email:workspace-expiring',
      'deprovision',
    ]);
    const at = (name: string) => calls.find((c) => c.name === name)!.at - startedAt;
    expect(at('email:workspace-expiring')).toBeGreaterThanOrEqual(83 * DAY);
    expect(at('email:workspace-expiring')).toBeLessThan(83 * DAY + 60_000);
    expect(at('deprovision')).toBeGreaterThanOrEqual(90 * DAY);
    expect(at('deprovision')).toBeLessThan(90 * DAY + 60_000);
    expect(calls.find((c) => c.name === 'email:workspace-ready')!.detail).toEqual({
      projectTitle: 'SQL Foundations',
      schemaName: 'dp_student_x',
    });
    expect(result).toMatchObject({ phase: 'DEPROVISIONED', endedBy: 'expired', schemaName: 'dp_student_x' });
  });

  it('ends when its own project completes (another project does not), without the expiring email', async () => {
    const { result, names, calls, startedAt } = await runWorkspace({}, async ({ workflowId }) => {
      await waitForPhase(workflowId, 'READY');
      const handle = env.client.workflow.getHandle(workflowId);
      await handle.signal(workspaceProjectCompleted, { projectId: 'project-2' });
      expect((await handle.query(workspaceStatusQuery)).phase).toBe('READY');
      await handle.signal(workspaceProjectCompleted, { projectId: 'project-1' });
    });
    expect(result).toMatchObject({ phase: 'DEPROVISIONED', endedBy: 'project-completed' });
    expect(names).toEqual(['provision', 'email:workspace-ready', 'deprovision']);
    expect(calls.find((c) => c.name === 'deprovision')!.at - startedAt).toBeLessThan(DAY);
  });

  it('ends when the review flow completes project 1', async () => {
    const { result, names } = await runWorkspace({}, async ({ workflowId, queue }) => {
      await waitForPhase(workflowId, 'READY');
      const submissionId = randomUUID();
      await env.client.workflow.execute('review', {
        args: [{ submissionId }],
        taskQueue: queue,
        workflowId: `review:${submissionId}`,
      });
    });
    expect(result).toMatchObject({ phase: 'DEPROVISIONED', endedBy: 'project-completed' });
    // The review's own email and the deprovisioning run side by side.
    expect([...names].sort()).toEqual([
      'deprovision',
      'email:feedback-available',
      'email:workspace-ready',
      'provision',
    ]);
  });

  it('deprovisions at once on deprovisionNow (account deletion); the signal is quiet when nothing runs', async () => {
    await signalDeprovisionNow({ temporal: env.client }, randomUUID());
    const { result, names } = await runWorkspace({}, async ({ workflowId }) => {
      await waitForPhase(workflowId, 'READY');
      await signalDeprovisionNow({ temporal: env.client }, workflowId.slice('workspace:'.length));
    });
    expect(result).toMatchObject({ phase: 'DEPROVISIONED', endedBy: 'deprovision-now' });
    expect(names).toEqual(['provision', 'email:workspace-ready', 'deprovision']);
  });

  it('retries a secret store failing for a while, then completes provisioning', async () => {
    // Retry backoff runs in real time on the test server (1 s, then 2 s); the 90 days after it are skipped.
    const { result, names, provisionTries } = await runWorkspace({ provisionFailures: 2 });
    expect(provisionTries()).toBe(3);
    expect(names.filter((n) => n === 'abandon')).toEqual([]);
    expect(result).toMatchObject({ phase: 'DEPROVISIONED' });
  });

  // A store that outlasts workspaceStep's 10 attempts reaches the same catch as a refusal; its
  // real-time backoff (minutes) is why only the refusal runs here.
  it.each([['refused' as const]])(
    'a secret store failing for good (%s): role dropped, FAILED, admins alerted',
    async (mode) => {
      const { result, names, alerts, provisionTries } = await runWorkspace({ provisionFailures: mode });
      expect(result).toBeInstanceOf(WorkflowFailedError);
      expect(((result as WorkflowFailedError).cause as ApplicationFailure).type).toBe('WorkspaceProvisioningFailed');
      expect(provisionTries()).toBe(1);
      expect(names.filter((n) => n !== 'provision')).toEqual(['abandon']);
      expect(alerts.map((a) => a.kind)).toEqual(['workspace-failed']);
    },
  );
});
