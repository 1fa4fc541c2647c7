import type { Db } from '../db/knex';
import { certificatesRepo, type CertificateRow } from '../db/repositories/certificates';
import { certificateEligibility, type Eligibility } from './eligibility';
import { generateVerificationCode } from './verification-code';

/**
 * Idempotent: the user's certificate for the track, created on first call with a fresh
 * verification code and the holder's name as it is now. An existing certificate is
 * answered as it is (its code and name never change). Not eligible: nothing is written.
 */
export async function issueCertificate(
  db: Db,
  userId: string,
  track: string,
): Promise<{ certificate: CertificateRow } | Exclude<Eligibility, { eligible: true }>> {
  const existing = await certificatesRepo.find(db, userId, track);
  if (existing) return { certificate: existing };
  const eligibility = await certificateEligibility(db, userId, track);
  if (!eligibility.eligible) return eligibility;
  const user = await db('users').where({ id: userId }).first('fullName');
  if (!user) return { eligible: false, reason: 'not-enrolled' };
  const certificate = await certificatesRepo.insertOnce(db, {
    userId,
    trackCode: track,
    verificationCode: generateVerificationCode(),
    holderName: user.fullName,
  });
  return { certificate };
}

/** Idempotent: the enrollment is COMPLETED, graduating on the certificate's issue date (the first one stands). */
export async function graduate(db: Db, userId: string, track: string, issuedAt: Date): Promise<void> {
  await db('enrollments')
    .where({ userId, trackCode: track })
    .whereIn('status', ['ENROLLED', 'COMPLETED'])
    .update({
      status: 'COMPLETED',
      graduationDate: db.raw('COALESCE(graduation_date, ?::date)', [issuedAt.toISOString().slice(0, 10)]),
      updatedAt: db.fn.now(),
    });
}
