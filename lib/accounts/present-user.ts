import type { Db } from '../db/knex';
import { enrollmentsRepo } from '../db/repositories/enrollments';
import type { UserRow } from '../db/repositories/users';

export interface EnrollmentSummary {
  id: string;
  track: string;
  status: string;
  enrolledAt: Date | null;
  graduationDate: string | null;
  paymentVerified: boolean;
}

/** The user as API.md shows it (`/api/me`): only these fields, never the password hash. */
export function presentUser(user: UserRow, enrollment: EnrollmentSummary | null = null) {
  return {
    id: user.id,
    email: user.email,
    emailVerified: Boolean(user.emailVerifiedAt),
    fullName: user.fullName,
    role: user.role,
    privacyAccepted: user.privacyAccepted,
    privacyAcceptedAt: user.privacyAcceptedAt,
    privacyVersion: user.privacyVersion,
    marketingConsent: user.marketingConsent,
    dataRetentionConsent: user.dataRetentionConsent,
    accountDeletionRequested: user.accountDeletionRequested,
    accountDeletionRequestedAt: user.accountDeletionRequestedAt,
    anonymized: user.anonymized,
    enrollment,
  };
}

export type PresentedUser = ReturnType<typeof presentUser>;

/** The user's current enrollment (the one GET /api/enrollment shows), summarised, or null. */
export async function findEnrollmentSummary(db: Db, userId: string): Promise<EnrollmentSummary | null> {
  const row = await enrollmentsRepo.current(db, userId);
  if (!row) return null;
  return {
    id: row.id,
    track: row.trackCode,
    status: row.status,
    enrolledAt: row.enrolledAt,
    graduationDate: row.graduationDate,
    paymentVerified: row.paymentVerified,
  };
}

/** presentUser with the enrollment read from the database. */
export async function loadPresentedUser(db: Db, user: UserRow): Promise<PresentedUser> {
  return presentUser(user, await findEnrollmentSummary(db, user.id));
}
