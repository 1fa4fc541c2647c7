import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { CohortActivities } from '../../activities/index';
import type { SendEmailInput } from '../../activities/email';
import { installTestRuntime } from '../helpers/stack';

/** The account-email workflow with a fake sendEmail on the real Temporal server. */
let connection: Connection;
let native: NativeConnection;
let client: Client;
beforeAll(async () => {
  installTestRuntime();
  connection = await Connection.connect({ address: inject('temporalAddress') });
  native = await NativeConnection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection });
});
afterAll(async () => {
  await native?.close();
  await connection?.close();
});

async function runAccountEmail(sendEmail: (input: SendEmailInput) => Promise<unknown>) {
  const calls: SendEmailInput[] = [];
  const activities: Partial<CohortActivities> = {
    sendEmail: (async (input: SendEmailInput) => {
      calls.push(input);
      return sendEmail(input);
    }) as CohortActivities['sendEmail'],
  };
  const taskQueue = `account-email-wf-${randomUUID()}`;
  const worker = await Worker.create({
    connection: native,
    taskQueue,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    activities,
  });
  const workflowId = `account-email:${randomUUID()}:password-reset:1`;
  const result = await worker.runUntil(
    client.workflow
      .execute('accountEmail', { args: [{ userId: 'u1', purpose: 'password-reset' }], taskQueue, workflowId })
      .catch((e: unknown) => e),
  );
  return { result, calls, workflowId };
}

describe('account-email workflow', () => {
  it('sends the purpose as its template, keyed on the workflow id, with ids only', async () => {
    const { result, calls, workflowId } = await runAccountEmail(async () => ({
      emailMessageId: randomUUID(),
      status: 'SENT',
    }));
    expect(result).toEqual({ purpose: 'password-reset', emailStatus: 'SENT' });
    expect(calls).toEqual([
      { idempotencyKey: `${workflowId}:email`, template: 'password-reset', recipient: { userId: 'u1' }, data: {} },
    ]);
  });

  it('ends UNDELIVERABLE, not failed, when the recipient is gone', async () => {
    const { result } = await runAccountEmail(async () => {
      throw ApplicationFailure.nonRetryable('gone', 'EmailRecipientNotFound');
    });
    expect(result).toEqual({ purpose: 'password-reset', emailStatus: 'UNDELIVERABLE' });
  });
});
