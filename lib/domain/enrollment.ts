import { z } from 'zod';

/** EXPIRED is a lapsed checkout: admins see it, students see no enrollment. */
export const ENROLLMENT_STATUSES = ['PENDING_PAYMENT', 'ENROLLED', 'SUSPENDED', 'COMPLETED', 'EXPIRED'] as const;
export const enrollmentStatusSchema = z.enum(ENROLLMENT_STATUSES);
export type EnrollmentStatus = z.infer<typeof enrollmentStatusSchema>;

/** Statuses in which a student counts against a trainer's capacity. */
export const ACTIVE_STUDENT_STATUSES: EnrollmentStatus[] = ['ENROLLED'];

/** Enrolled for good: paid (or waived) and past checkout, whatever happened since. */
export const isEnrolled = (status: EnrollmentStatus): boolean =>
  status === 'ENROLLED' || status === 'SUSPENDED' || status === 'COMPLETED';

/** Working through the track now. */
export const isActive = (status: EnrollmentStatus): boolean => status === 'ENROLLED';

/** Why a user may not enroll in a track; the one rule for checkout, admin enrollment and the onboarding saga. */
export type EnrollRefusal = 'UserUnavailable' | 'TrackClosed';

/** null when the user may enroll: a live (not erased) student, and a track open for enrollment. */
export function enrollRefusal(
  user: { role: string; anonymized: boolean } | undefined,
  track: { active: boolean } | undefined,
): EnrollRefusal | null {
  if (!user || user.anonymized || user.role !== 'student') return 'UserUnavailable';
  if (!track?.active) return 'TrackClosed';
  return null;
}
