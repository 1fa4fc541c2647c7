import { ApplicationFailure } from '@temporalio/common';
import type { Config } from '../lib/config';
import type { Knex } from '../lib/db/knex';
import { graduate, issueCertificate } from '../lib/certificates/issue-certificate';
import { verifyUrl } from '../lib/certificates/links';
import { formatVerificationCode } from '../lib/domain/certificates';
import { certificatesRepo } from '../lib/db/repositories/certificates';
import { curriculumRepo } from '../lib/db/repositories/curriculum';

export interface CertificateActivityDeps {
  config: Config;
  knex: Knex;
}

export type IssuedCertificate =
  | {
      issued: true;
      certificateId: string;
      trackName: string;
      verifyUrl: string;
      /** Grouped, `XXXX-XXXX-XXXX-XXXX`. */
      verificationCode: string;
    }
  | { issued: false; reason: 'not-enrolled' | 'projects-missing'; missingProjectIds: string[] };

/** The certification workflow's database steps (default queue). */
export function createCertificateActivities({ config, knex }: CertificateActivityDeps) {
  return {
    /**
     * Idempotent: the certificate row (created once per user and track, with its code and
     * the holder's name as it is now), or why the user is not eligible. Ids and the code only
     * in the answer: the name stays in the database.
     */
    async issueCertificate(input: { userId: string; track: string }): Promise<IssuedCertificate> {
      const outcome = await issueCertificate(knex, input.userId, input.track);
      if (!('certificate' in outcome)) {
        return {
          issued: false,
          reason: outcome.reason,
          missingProjectIds: outcome.reason === 'projects-missing' ? outcome.missing.map((m) => m.projectId) : [],
        };
      }
      const { certificate } = outcome;
      const track = await curriculumRepo.findTrack(knex, certificate.trackCode);
      return {
        issued: true,
        certificateId: certificate.id,
        trackName: track?.name ?? certificate.trackCode,
        verifyUrl: verifyUrl(config.PUBLIC_BASE_URL, certificate.verificationCode),
        verificationCode: formatVerificationCode(certificate.verificationCode),
      };
    },

    /** Idempotent: the enrollment COMPLETED, graduating on the certificate's issue date. */
    async graduateStudent(input: { certificateId: string }): Promise<void> {
      const certificate = await certificatesRepo.findById(knex, input.certificateId);
      if (!certificate) throw ApplicationFailure.nonRetryable('No such certificate.', 'CertificateNotFound');
      await graduate(knex, certificate.userId, certificate.trackCode, certificate.issuedAt);
    },
  };
}
