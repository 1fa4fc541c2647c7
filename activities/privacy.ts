import { log } from '@temporalio/activity';
import type { BlobStore } from '../lib/adapters/blob-store/index';
import type { Config } from '../lib/config';
import type { Knex } from '../lib/db/knex';
import { revokeAccountAccess } from '../lib/accounts/revoke-account-access';
import {
  cancelDeletionRequest,
  forgetCapturedAddress,
  isUnderLegalHold,
  markErasing,
  openDeletionRequest,
  recordErasure,
  type ErasureKind,
  type ErasureReport,
} from '../lib/privacy/deletion-requests';
import { erasePersonalData, type ErasureLine } from '../lib/privacy/erase-personal-data';
import { listUserBlobKeys } from '../lib/privacy/user-blobs';
import type { createEmailActivities } from './email';

export interface PrivacyActivityDeps {
  config: Config;
  knex: Knex;
  blobs: BlobStore;
}

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

    /** Export archives (and, once certificates land, their PDFs); deleting a missing blob succeeds. */
    async deleteUserBlobs(input: { userId: string }): Promise<{ blobs: number }> {
      const keys = await listUserBlobKeys(deps.knex, input.userId);
      for (const key of keys) await deps.blobs.delete(key);
      return { blobs: keys.length };
    },

    /** The registry-driven erasure, in one transaction. */
    async erasePersonalData(input: { userId: string; kind: ErasureKind }): Promise<ErasureLine[]> {
      return deps.knex.transaction((trx) =>
        erasePersonalData(trx, input.userId, input.kind === 'DELETION' ? 'deletion' : 'anonymization'),
      );
    },

    /**
     * Processors holding the user's data. Cohort stores no Stripe customer (Checkout runs
     * without one), and Postmark's data removal needs an account token Cohort is not given.
     */
    async eraseAtProcessors(input: { userId: string }): Promise<ErasureReport['processors']> {
      log.info('processor erasure', { userId: input.userId });
      return [
        { name: 'stripe', outcome: 'no customer object is created or stored by Cohort' },
        {
          name: 'postmark',
          outcome: deps.config.POSTMARK_SERVER_TOKEN
            ? 'data removal request not sent: no POSTMARK_ACCOUNT_TOKEN configured'
            : 'not configured (outbox)',
        },
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
