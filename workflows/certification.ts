import { defineQuery, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { PdfActivities } from '../activities/pdf';
import type { TrackCode } from '../lib/domain/tracks';
import { dbActivities, emailActivities, longRunning } from './shared/activity-options';
import { createNotifier } from './shared/notify';
import { setPhase } from './shared/phase';

export interface CertificationInput {
  userId: string;
  track: TrackCode;
}

export type CertificationResult =
  | { status: 'ISSUED'; certificateId: string; verificationCode: string; pdfSha256: string }
  | { status: 'NOT_ELIGIBLE'; reason: 'not-enrolled' | 'projects-missing'; missingProjectIds: string[] };

export const certificationStatusQuery = defineQuery<string>('status');

/** The pdf queue beside this workflow's own (`<prefix>cohort` → `<prefix>cohort-pdf`). */
const pdfQueue = () => `${workflowInfo().taskQueue}-pdf`;

/**
 * `certificate:<userId>:<track>`: a graduate's certificate. The row first (an unguessable
 * code, the holder's name as it is now), then the PDF rendered in Chromium on the
 * `cohort-pdf` queue and stored with its SHA-256, then the enrollment COMPLETED with its
 * graduation date; the "certificate issued" email follows the outcome. Every step is
 * idempotent, so a second run (or a retry after a crash) lands on the same certificate.
 */
export async function certification(input: CertificationInput): Promise<CertificationResult> {
  let status = 'issuing';
  setHandler(certificationStatusQuery, () => status);
  const phase = (next: string) => {
    status = next;
    setPhase(next);
  };

  const issued = await dbActivities.issueCertificate(input);
  if (!issued.issued) {
    phase('not eligible');
    return { status: 'NOT_ELIGIBLE', reason: issued.reason, missingProjectIds: issued.missingProjectIds };
  }

  phase('rendering');
  const pdf = await proxyActivities<PdfActivities>({ ...longRunning, taskQueue: pdfQueue() }).renderCertificatePdf({
    certificateId: issued.certificateId,
  });

  phase('graduating');
  await dbActivities.graduateStudent({ certificateId: issued.certificateId });

  phase('notifying');
  const notifier = createNotifier();
  notifier.notify('certificate-issued-email', () =>
    emailActivities.sendEmail({
      idempotencyKey: `${workflowInfo().workflowId}:issued`,
      template: 'certificate-issued',
      recipient: { userId: input.userId },
      data: {
        trackName: issued.trackName,
        certificateUrl: issued.verifyUrl,
        verificationCode: issued.verificationCode,
      },
    }),
  );
  await notifier.settled();
  phase('issued');
  return {
    status: 'ISSUED',
    certificateId: issued.certificateId,
    verificationCode: issued.verificationCode,
    pdfSha256: pdf.sha256,
  };
}
