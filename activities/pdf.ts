import { Context, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { BlobStore } from '../lib/adapters/blob-store/types';
import { PdfLayoutError, type PdfRenderer } from '../lib/adapters/pdf';
import type { Config } from '../lib/config';
import type { Knex } from '../lib/db/knex';
import { renderCertificatePdf, type RenderedCertificate } from '../lib/certificates/render-certificate-pdf';

export interface PdfActivityDeps {
  config: Config;
  knex: Knex;
  blobStore: BlobStore;
  /** One per worker process (one Chromium), shared by every render. */
  renderer: PdfRenderer;
}

const HEARTBEAT_EVERY_MS = 5_000;

/**
 * Activities of the `cohort-pdf` task queue only: Chromium is heavy, so its renders run
 * on workers sized for it. Each heartbeats while it works, so a dead worker is noticed
 * within the heartbeat timeout and the retry (on a fresh browser) goes elsewhere.
 */
export function createPdfActivities(deps: PdfActivityDeps) {
  return {
    /** Idempotent: the certificate's PDF rendered and stored (kept if already stored), with its SHA-256. */
    async renderCertificatePdf(input: { certificateId: string }): Promise<RenderedCertificate> {
      const context = Context.current();
      context.heartbeat('starting');
      const beat = setInterval(() => context.heartbeat('working'), HEARTBEAT_EVERY_MS);
      try {
        const rendered = await renderCertificatePdf(
          {
            db: deps.knex,
            blobStore: deps.blobStore,
            renderer: deps.renderer,
            publicBaseUrl: deps.config.PUBLIC_BASE_URL,
          },
          input.certificateId,
          (step) => context.heartbeat(step),
        );
        if (!rendered) throw ApplicationFailure.nonRetryable('No such certificate.', 'CertificateNotFound');
        return rendered;
      } catch (error) {
        if (error instanceof PdfLayoutError) throw ApplicationFailure.nonRetryable(error.message, 'CertificateLayout');
        log.warn('certificate render failed', { certificateId: input.certificateId, error: (error as Error).name });
        throw error;
      } finally {
        clearInterval(beat);
      }
    },
  };
}

export type PdfActivities = ReturnType<typeof createPdfActivities>;
