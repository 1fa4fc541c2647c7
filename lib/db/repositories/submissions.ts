import type { Db } from '../knex';
import type { ReviewDecision, SubmissionStatus } from '../../domain/submissions';
import type { TrackCode } from '../../domain/tracks';

export interface SubmissionRow {
  id: string;
  userId: string;
  projectId: string;
  deliverableId: string;
  repoUrl: string | null;
  deploymentUrl: string | null;
  notes: string | null;
  status: SubmissionStatus;
  feedback: string | null;
  reviewerId: string | null;
  reviewedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Who is asking: a student sees their own, a trainer their assigned students', an admin all. */
export interface SubmissionViewer {
  id: string;
  role: string;
}

export interface SubmissionFilter {
  projectId?: string;
  userId?: string;
  status?: SubmissionStatus;
  limit: number;
}

/** A submission as its reviewer needs it: the current review, the track and the assigned trainer's user. */
export interface ReviewTarget {
  userId: string;
  status: SubmissionStatus;
  reviewerId: string | null;
  feedback: string | null;
  trackCode: TrackCode;
  trainerUserId: string | null;
}

export const submissionsRepo = {
  findById: (db: Db, id: string): Promise<SubmissionRow | undefined> => db('submissions').where({ id }).first(),

  /** Whether the submission exists and is the user's. */
  async isOwnedBy(db: Db, id: string, userId: string): Promise<boolean> {
    return Boolean(await db('submissions').where({ id, userId }).first('id'));
  },

  /** Whether the student has a submission of this deliverable still waiting for review. */
  async awaitsReview(db: Db, userId: string, deliverableId: string): Promise<boolean> {
    return Boolean(await db('submissions').where({ userId, deliverableId, status: 'SUBMITTED' }).first('id'));
  },

  async insert(
    db: Db,
    values: Pick<
      SubmissionRow,
      'id' | 'userId' | 'projectId' | 'deliverableId' | 'repoUrl' | 'deploymentUrl' | 'notes'
    >,
  ): Promise<SubmissionRow> {
    const [row] = await db('submissions').insert(values).returning('*');
    return row as SubmissionRow;
  },

  /** The submissions `viewer` may see, newest first. */
  listVisible(db: Db, viewer: SubmissionViewer, filter: SubmissionFilter): Promise<SubmissionRow[]> {
    const q = db('submissions as s');
    if (viewer.role === 'student') q.where('s.userId', viewer.id);
    if (viewer.role === 'trainer') {
      q.whereExists((e) =>
        e
          .select(db.raw('1'))
          .from('enrollments as e')
          .join('trainers as t', 't.id', 'e.trainerId')
          .whereRaw('e.user_id = s.user_id')
          .where('t.userId', viewer.id),
      );
    }
    if (filter.projectId) q.where('s.projectId', filter.projectId);
    if (filter.userId) q.where('s.userId', filter.userId);
    if (filter.status) q.where('s.status', filter.status);
    return q.orderBy('s.createdAt', 'desc').limit(filter.limit).select('s.*');
  },

  reviewTarget: (db: Db, id: string): Promise<ReviewTarget | undefined> =>
    db('submissions as s')
      .join('projects as p', 'p.id', 's.projectId')
      .leftJoin('enrollments as e', (j) => j.on('e.userId', 's.userId').andOn('e.trackCode', 'p.trackCode'))
      .leftJoin('trainers as t', 't.id', 'e.trainerId')
      .where('s.id', id)
      .first('s.userId', 's.status', 's.reviewerId', 's.feedback', 'p.trackCode', 't.userId as trainerUserId'),

  /** Records a review of a submission still SUBMITTED; false when it was reviewed already. */
  async review(
    db: Db,
    id: string,
    review: { decision: ReviewDecision; feedback: string; reviewerId: string },
  ): Promise<boolean> {
    const changed = await db('submissions').where({ id, status: 'SUBMITTED' }).update({
      status: review.decision,
      feedback: review.feedback,
      reviewerId: review.reviewerId,
      reviewedAt: db.fn.now(),
      updatedAt: db.fn.now(),
    });
    return changed > 0;
  },
};
