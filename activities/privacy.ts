import { log } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { BlobStore } from '../lib/adapters/blob-store/index';
import { PermanentEmailError, type PostmarkDataRemoval } from '../lib/adapters/email/index';
import type { Config } from '../lib/config';
import type { Knex } from '../lib/db/knex';
import { revokeAccountAccess } from '../lib/accounts/revoke-account-access';
import {
  cancelDeletionRequest,
  findOpenDeletionRequest,
  findProcessorReferences,
  forgetCapturedAddress,
  isUnderLegalHold,
  markErasing,
  openDeletionRequest,
  recordErasure,
  recordProcessorReference,
  findCapturedAddress,
  type ErasureKind,
  type ErasureReport,
} from '../lib/privacy/deletion-requests';
import { erasePersonalData, type ErasureLine } from '../lib/privacy/erase-personal-data';
import { listUserBlobKeys } from '../lib/privacy/user-blobs';
import type { createEmailActivities } from './email';
import { stopUserWorkflows } from './user-workflows';

export interface PrivacyActivityDeps {
  config: Config;
  knex: Knex;
  blobs: BlobStore;
  /** Lists and cancels the user's other workflows during erasure. */
  temporal?: Client;
  /** Postmark's Data Removal API, when POSTMARK_ACCOUNT_TOKEN is configured. */
  emailDataRemoval?: PostmarkDataRemoval;
}

/** RequestedBy of a Postmark data removal: ADMIN_EMAIL, else EMAIL_FROM's address. */
const operatorAddress = (config: Config): string =>
  config.ADMIN_EMAIL ?? /<([^>]+)>/.exec(config.EMAIL_FROM)?.[1] ?? config.EMAIL_FROM;

export interface OpenErasureInput {
  userId: string;
  kind: ErasureKind;
  requestedBy: string | null;
  workflowId: string;
  coolOffMs: number;
}
export type OpenErasureResult =
  { found: true; requestId: string; scheduledFor: string; legalHold: boolean } | { found: false };

/** The erasure steps of account deletion and anonymization; ids in, ids and counts out. */
export function createPrivacyActivities(deps: PrivacyActivityDeps, email: ReturnType<typeof createEmailActivities>) {
  async function requestPostmarkRemoval(userId: string): Promise<ErasureReport['processors'][number]> {
    const name = 'postmark';
    if (!deps.emailDataRemoval) {
      return {
        name,
        outcome: deps.config.POSTMARK_SERVER_TOKEN
          ? 'data removal request not sent: no POSTMARK_ACCOUNT_TOKEN configured'
          : 'not configured (outbox)',
      };
    }
    const request = await findOpenDeletionRequest(deps.knex, userId);
    if (!request) return { name, outcome: 'no open erasure request' };
    const known = (await findProcessorReferences(deps.knex, request.id))[name];
    if (known) return { name, outcome: 'data removal requested', reference: known };
    const captured = await findCapturedAddress(deps.knex, request.id);
    if (!captured) return { name, outcome: 'data removal request not sent: no captured address' };
    let removal;
    try {
      removal = await deps.emailDataRemoval.request({
        requestedBy: operatorAddress(deps.config),
        requestedFor: captured.address,
      });
    } catch (error) {
      // Refused for good (a 422): reported for a person to follow up; transient failures are retried.
      if (!(error instanceof PermanentEmailError)) throw error;
      return { name, outcome: `data removal refused: ${error.message}` };
    }
    await recordProcessorReference(deps.knex, request.id, name, removal.id);
    return { name, outcome: 'data removal requested', reference: removal.id };
  }

  return {
    /** Opens (or finds) the request, capturing the address for the final message. */
    async openErasureRequest(input: OpenErasureInput): Promise<OpenErasureResult> {
      const opened = await deps.knex.transaction((trx) => openDeletionRequest(trx, input));
      if (!opened) return { found: false };
      return {
        found: true,
        requestId: opened.request.id,
        scheduledFor: opened.request.scheduledFor!.toISOString(),
        legalHold: opened.legalHold,
      };
    },

    /** Restores the account; false when erasure already began. */
    async cancelErasureRequest(input: { requestId: string }): Promise<boolean> {
      return deps.knex.transaction((trx) => cancelDeletionRequest(trx, input.requestId));
    },

    /** One read before erasure starts, closing the race with a hold placed just before the workflow ran. */
    async isUnderLegalHold(input: { userId: string }): Promise<boolean> {
      return isUnderLegalHold(deps.knex, input.userId);
    },

    async markErasing(input: { requestId: string }): Promise<void> {
      await markErasing(deps.knex, input.requestId);
    },

    /** Every session and unspent link revoked, sign-in providers unlinked. */
    async revokeUserAccess(input: { userId: string }): Promise<{ sessions: number }> {
      const revoked = await deps.knex.transaction((trx) =>
        revokeAccountAccess(trx, input.userId, { oauthLinks: true }),
      );
      return { sessions: revoked.sessions };
    },

    /** Export archives and certificate PDFs; counts the blobs that were there (a retry finds fewer). */
    async deleteUserBlobs(input: { userId: string }): Promise<{ blobs: number }> {
      const keys = await listUserBlobKeys(deps.knex, input.userId);
      let deleted = 0;
      for (const key of keys) {
        if (!(await deps.blobs.exists(key))) continue;
        await deps.blobs.delete(key);
        deleted += 1;
      }
      return { blobs: deleted };
    },

    /**
     * The user's other running workflows, found by `CohortUserId`: each is cancelled (and
     * awaited until closed, so none of its activities writes after the erasure), except
     * the erasure itself and the workspace, which the erasure tells to deprovision now.
     */
    async stopUserWorkflows(input: { userId: string; exceptWorkflowId: string }) {
      if (!deps.temporal) throw new Error('stopUserWorkflows needs a Temporal client in the activity deps');
      return stopUserWorkflows(deps.temporal, input);
    },

    /** The registry-driven erasure, in one transaction. */
    async erasePersonalData(input: { userId: string; kind: ErasureKind }): Promise<ErasureLine[]> {
      return deps.knex.transaction((trx) =>
        erasePersonalData(trx, input.userId, input.kind === 'DELETION' ? 'deletion' : 'anonymization'),
      );
    },

    /**
     * Processors holding the user's data. Cohort stores no Stripe customer (Checkout runs
     * without one). Postmark, when its account token is configured, is asked to remove the
     * address (Data Removal API); its removal id is kept at once, so a retry asks no twice.
     */
    async eraseAtProcessors(input: { userId: string }): Promise<ErasureReport['processors']> {
      log.info('processor erasure', { userId: input.userId });
      return [
        { name: 'stripe', outcome: 'no customer object is created or stored by Cohort' },
        await requestPostmarkRemoval(input.userId),
      ];
    },

    async recordErasureReport(input: { requestId: string; report: ErasureReport }): Promise<void> {
      await recordErasure(deps.knex, input.requestId, input.report);
    },

    /** "Account deleted" to the captured address; then the address is forgotten everywhere. */
    async sendAccountDeletedEmail(input: { requestId: string; idempotencyKey: string }) {
      const sent = await email.sendEmail({
        idempotencyKey: input.idempotencyKey,
        template: 'account-deleted',
        recipient: { deletionRequestId: input.requestId },
        data: {},
      });
      await forgetCapturedAddress(deps.knex, input.requestId, input.idempotencyKey);
      return sent;
    },

    /** Run once the final message settled either way: the address goes even if the message could not. */
    async forgetCapturedAddress(input: { requestId: string; idempotencyKey: string }): Promise<void> {
      await forgetCapturedAddress(deps.knex, input.requestId, input.idempotencyKey);
    },
  };
}
