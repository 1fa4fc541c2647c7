import { z } from 'zod';
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

const COLUMNS = [
  'id',
  'userId',
  'projectId',
  'deliverableId',
  'repoUrl',
  'deploymentUrl',
  'notes',
  'status',
  'feedback',
  'reviewerId',
  'reviewedAt',
  'createdAt',
];

export function toSubmission(row: Record<string, unknown>) {
  const view = Object.fromEntries(COLUMNS.map((c) => [c, row[c] ?? null])) as Record<string, unknown>;
  view.reviewedAt = row.reviewedAt ? (row.reviewedAt as Date).toISOString() : null;
  view.createdAt = (row.createdAt as Date).toISOString();
  return view;
}
