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
