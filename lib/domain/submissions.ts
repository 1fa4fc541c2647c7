import { z } from 'zod';

export const SUBMISSION_STATUSES = ['SUBMITTED', 'APPROVED', 'CHANGES_REQUESTED'] as const;
export const submissionStatusSchema = z.enum(SUBMISSION_STATUSES);
export type SubmissionStatus = z.infer<typeof submissionStatusSchema>;

/** What a trainer may decide: a submission's statuses after review. */
export const REVIEW_DECISIONS = ['APPROVED', 'CHANGES_REQUESTED'] as const;
export const reviewDecisionSchema = z.enum(REVIEW_DECISIONS);
export type ReviewDecision = z.infer<typeof reviewDecisionSchema>;
