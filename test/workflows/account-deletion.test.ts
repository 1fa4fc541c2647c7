import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Context } from '@temporalio/activity';
import { Worker } from '@temporalio/worker';
import type { CohortActivities } from '../../activities/index';
import {
  accountDeletion,
  accountDeletionStatusQuery,
  legalHoldChanged,
  type AccountDeletionInput,
} from '../../workflows/account-deletion';
import { installTestRuntime } from '../helpers/stack';
import { createTimeSkippingEnv } from '../helpers/time-skipping';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  installTestRuntime();
  env = await createTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

const DAY = 86_400_000;
const input = (userId: string, kind: AccountDeletionInput['kind'] = 'DELETION'): AccountDeletionInput => ({
  userId,
  kind,
  requestedBy: null,
  coolOffMs: 14 * DAY,
});

/** Fake erasure steps recording the order they ran in, and when (workflow time). */
function fakes(options: { legalHold?: boolean; coolOffMs?: number } = {}) {
  const calls: string[] = [];
  const stopped: string[] = [];
  const reports: unknown[] = [];
  const at: Record<string, number> = {};
  const record = (name: string) => {
    calls.push(name);
    // The server's (skipped) clock, not the wall clock activities run on.
    at[name] = Context.current().info.currentAttemptScheduledTimestampMs;
  };
  const activities: Partial<CohortActivities> = {
    openErasureRequest: async () => {
      record('open');
      return {
        found: true,
        requestId: 'req-1',
        scheduledFor: new Date(Date.now() + (options.coolOffMs ?? 14 * DAY)).toISOString(),
        legalHold: options.legalHold ?? false,
      };
    },
    cancelErasureRequest: async () => {
      record('cancel');
      return true;
    },
    markErasing: async () => record('markErasing'),
    revokeUserAccess: async () => {
      record('revokeAccess');
      return { sessions: 2 };
    },
    stopUserWorkflows: async ({ exceptWorkflowId }) => {
      record('stopWorkflows');
      stopped.push(exceptWorkflowId);
      return { cancelled: 2, told: 0, byType: { onboarding: 1, dataExport: 1 } };
    },
    deleteUserBlobs: async () => {
      record('deleteBlobs');
      return { blobs: 1 };
    },
    erasePersonalData: async () => {
      record('erase');
      return [{ table: 'users', action: 'anonymize' as const, rows: 1 }];
    },
    eraseAtProcessors: async () => {
      record('processors');
      return [];
    },
    recordErasureReport: async ({ report }) => {
      record('report');
      reports.push(report);
    },
    sendAccountDeletedEmail: async () => {
      record('email:account-deleted');
      return { emailMessageId: 'm', status: 'STORED' as const };
    },
    forgetCapturedAddress: async () => record('forget'),
    sendEmail: async (email) => {
      record(`email:${email.template}`);
      return { emailMessageId: email.idempotencyKey, status: 'STORED' };
    },
  };
  return { calls, at, activities, stopped, reports };
}

async function withWorker<T>(activities: Partial<CohortActivities>, taskQueue: string, run: () => Promise<T>) {
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    activities,
    workflowBundle: { codePath: inject('workflowBundlePath') },
  });
  return worker.runUntil(run());
}

const ERASURE = [
  'markErasing',
  'revokeAccess',
  'stopWorkflows',
  'deleteBlobs',
  'erase',
  'processors',
  'report',
  'email:account-deleted',
  'forget',
];

describe('account-deletion workflow (time skipping)', () => {
  it('waits out the 14-day cool-off, then erases in order and sends the final message last', async () => {
    const { calls, at, activities } = fakes();
    const taskQueue = 'deletion-cool-off';
    const result = await withWorker(activities, taskQueue, async () => {
      const handle = await env.client.workflow.start(accountDeletion, {
        workflowId: 'account-deletion:u1',
        taskQueue,
        args: [input('u1')],
      });
      await env.sleep(13 * DAY);
      const status = await handle.query(accountDeletionStatusQuery);
      expect(status.phase).toBe('cool-off');
      expect(status.message).toMatch(/^in cool-off until \d{4}-\d\d-\d\dT/);
      expect(calls).not.toContain('erase');
      return handle.result();
    });
    expect(result.outcome).toBe('erased');
    expect(calls).toEqual(['open', 'email:deletion-scheduled', ...ERASURE]);
    expect(at.erase! - at.open!).toBeGreaterThanOrEqual(14 * DAY);
  });

  it('erases only once the "deletion scheduled" notice is settled, however short the cool-off', async () => {
    const { calls, activities } = fakes({ coolOffMs: 1 });
    const send = activities.sendEmail!;
    let tries = 0;
    // The notice looks its recipient up: erasing first would leave it nobody to send to.
    activities.sendEmail = async (email) => {
      if (email.template === 'deletion-scheduled' && ++tries < 3) throw new Error('Postmark answered 503');
      return send(email);
    };
    const taskQueue = 'deletion-notice-first';
    const result = await withWorker(activities, taskQueue, () =>
      env.client.workflow.execute(accountDeletion, {
        workflowId: 'account-deletion:u-notice',
        taskQueue,
        args: [{ ...input('u-notice'), coolOffMs: 1 }],
      }),
    );
    expect(result.outcome).toBe('erased');
    expect(tries).toBe(3);
    expect(calls).toEqual(['open', 'email:deletion-scheduled', ...ERASURE]);
  });

  it('a legal hold holds past the cool-off; lifting it resumes the erasure', async () => {
    const { calls, at, activities } = fakes({ legalHold: true });
    const taskQueue = 'deletion-hold';
    const result = await withWorker(activities, taskQueue, async () => {
      const handle = await env.client.workflow.start(accountDeletion, {
        workflowId: 'account-deletion:u3',
        taskQueue,
        args: [input('u3')],
      });
      await env.sleep(60 * DAY);
      expect((await handle.query(accountDeletionStatusQuery)).phase).toBe('legal-hold');
      expect(calls).not.toContain('erase');
      await handle.signal(legalHoldChanged, { held: false });
      return handle.result();
    });
    expect(result.outcome).toBe('erased');
    expect(at.erase!).toBeGreaterThanOrEqual(at.open! + 60 * DAY);
  });

  it('a hold placed during the cool-off (a signal) pauses it past its end; lifting resumes', async () => {
    const { calls, activities } = fakes();
    const taskQueue = 'deletion-hold-signal';
    await withWorker(activities, taskQueue, async () => {
      const handle = await env.client.workflow.start(accountDeletion, {
        workflowId: 'account-deletion:u4',
        taskQueue,
        args: [input('u4')],
      });
      await handle.signal(legalHoldChanged, { held: true });
      await env.sleep(20 * DAY);
      expect(calls).not.toContain('erase');
      expect((await handle.query(accountDeletionStatusQuery)).phase).toBe('legal-hold');
      await handle.signal(legalHoldChanged, { held: false });
      await handle.result();
    });
    expect(calls).toContain('erase');
  });

  it("stops the user's other workflows (not itself) after revoking access, and reports them", async () => {
    const { calls, activities, stopped, reports } = fakes();
    const taskQueue = 'deletion-stops-workflows';
    await withWorker(activities, taskQueue, () =>
      env.client.workflow.execute(accountDeletion, {
        workflowId: 'account-deletion:u6',
        taskQueue,
        args: [input('u6', 'ANONYMIZATION')],
      }),
    );
    expect(calls.indexOf('stopWorkflows')).toBe(calls.indexOf('revokeAccess') + 1);
    expect(stopped).toEqual(['account-deletion:u6']);
    expect(reports[0]).toMatchObject({
      workflows: { cancelled: 2, told: 0, byType: { onboarding: 1, dataExport: 1 } },
    });
  });

  it('anonymization runs at once, with no cool-off email', async () => {
    const { calls, activities } = fakes();
    const taskQueue = 'anonymize';
    const result = await withWorker(activities, taskQueue, () =>
      env.client.workflow.execute(accountDeletion, {
        workflowId: 'account-deletion:u5',
        taskQueue,
        args: [input('u5', 'ANONYMIZATION')],
      }),
    );
    expect(result.outcome).toBe('erased');
    expect(calls).toEqual(['open', ...ERASURE]);
  });
});
