import type { Db } from '../db/knex';
import type { SubmissionStatus } from '../domain/submissions';
import type { TrackCode } from '../domain/tracks';

export interface SubmissionFactsRow {
  userId: string;
  projectId: string;
  status: SubmissionStatus;
  projectTitle: string;
  track: TrackCode;
  deliverableTitle: string;
}

/** A submission with the titles its emails name; undefined when no such row is visible. */
export const loadSubmissionFacts = (db: Db, submissionId: string): Promise<SubmissionFactsRow | undefined> =>
  db('submissions as s')
    .join('projects as p', 'p.id', 's.projectId')
    .join('deliverables as d', 'd.id', 's.deliverableId')
    .where('s.id', submissionId)
    .first(
      's.userId',
      's.projectId',
      's.status',
      'p.title as projectTitle',
      'p.trackCode as track',
      'd.title as deliverableTitle',
    );
