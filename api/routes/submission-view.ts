import { z } from 'zod';
import type { SubmissionRow } from '../../lib/db/repositories/submissions';
import { submissionStatusSchema } from '../../lib/domain/index';

/** A submission as the API shows it. */
export const submissionView = z.object({
  id: z.uuid(),
  userId: z.uuid(),
  projectId: z.uuid(),
  deliverableId: z.uuid(),
  repoUrl: z.string().nullable(),
  deploymentUrl: z.string().nullable(),
  notes: z.string().nullable(),
  status: submissionStatusSchema,
  feedback: z.string().nullable(),
  reviewerId: z.uuid().nullable(),
  reviewedAt: z.string().nullable(),
  createdAt: z.string(),
});

export function toSubmission(row: SubmissionRow) {
  return {
    id: row.id,
    userId: row.userId,
    projectId: row.projectId,
    deliverableId: row.deliverableId,
    repoUrl: row.repoUrl ?? null,
    deploymentUrl: row.deploymentUrl ?? null,
    notes: row.notes ?? null,
    status: row.status,
    feedback: row.feedback ?? null,
    reviewerId: row.reviewerId ?? null,
    reviewedAt: row.reviewedAt ? row.reviewedAt.toISOString() : null,
    createdAt: row.createdAt.toISOString(),
  };
}
