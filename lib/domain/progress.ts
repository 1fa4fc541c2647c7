import { z } from 'zod';

/** A student's status on one project. */
export const PROGRESS_STATUSES = ['LOCKED', 'UNLOCKED', 'IN_PROGRESS', 'SUBMITTED', 'COMPLETED'] as const;
export const progressStatusSchema = z.enum(PROGRESS_STATUSES);
export type ProgressStatus = z.infer<typeof progressStatusSchema>;
