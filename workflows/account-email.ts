import { ActivityFailure, ApplicationFailure, defineQuery, log, setHandler, workflowInfo } from '@temporalio/workflow';
import type { EmailStatus } from '../activities/email';
import type { AccountEmailPurpose } from '../lib/domain/account-tokens';
import { emailActivities } from './shared/activity-options';
import { phaseSetter } from './shared/phase';

/** Ids only: the address and the link are looked up and minted by the email activity. */
export interface AccountEmailInput {
  userId: string;
  purpose: AccountEmailPurpose;
}

export type AccountEmailStatus = 'sending' | EmailStatus | 'UNDELIVERABLE';
export interface AccountEmailResult {
  purpose: AccountEmailPurpose;
  emailStatus: AccountEmailStatus;
}

export const accountEmailStatusQuery = defineQuery<AccountEmailStatus>('status');

/**
 * `account-email:<userId>:<purpose>:<n>`: one account message (verify-email at sign-up,
 * password-reset on request), started in the transaction of the request that owes it,
 * so a crash cannot lose it (convention 11). The single-use link is minted at delivery.
 * A recipient erased meanwhile (or a sign-up whose transaction rolled back after the
 * start) is logged, not failed: nothing is left to settle.
 */
export async function accountEmail(input: AccountEmailInput): Promise<AccountEmailResult> {
  let status: AccountEmailStatus = 'sending';
  setHandler(accountEmailStatusQuery, () => status);
  const setPhase = phaseSetter();
  setPhase('SENDING');
  try {
    const sent = await emailActivities.sendEmail({
      idempotencyKey: `${workflowInfo().workflowId}:email`,
      template: input.purpose,
      recipient: { userId: input.userId },
      data: {},
    });
    status = sent.status;
  } catch (error) {
    if (!(error instanceof ActivityFailure && error.cause instanceof ApplicationFailure && error.cause.nonRetryable))
      throw error;
    log.warn('account email undeliverable', { purpose: input.purpose, reason: error.cause.type });
    status = 'UNDELIVERABLE';
  }
  setPhase(status === 'UNDELIVERABLE' ? 'UNDELIVERABLE' : 'SENT');
  return { purpose: input.purpose, emailStatus: status };
}
