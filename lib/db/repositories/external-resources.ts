import type { Db } from '../knex';
import type { ResourceType } from '../../domain/resources';

export interface ExternalResourceRow {
  id: string;
  userId: string;
  projectId: string | null;
  submissionId: string | null;
  resourceType: ResourceType;
  resourceUrl: string;
  credentialsStored: boolean;
  provisionedAt: Date;
  deprovisionedAt: Date | null;
  createdBy: string | null;
}

export interface ExternalResourceFilter {
  /** The caller's own resources only (a student's view). */
  ownedBy?: string;
  /** Resources of the students this trainer (a user id) is assigned to (a trainer's view). */
  trainedBy?: string;
  userId?: string;
  /** true: still provisioned; false: deprovisioned; absent: both. */
  active?: boolean;
}

export const externalResourcesRepo = {
  async insert(
    db: Db,
    values: Pick<
      ExternalResourceRow,
      'userId' | 'projectId' | 'submissionId' | 'resourceType' | 'resourceUrl' | 'credentialsStored' | 'createdBy'
    >,
  ): Promise<ExternalResourceRow> {
    const [row] = await db('external_resources').insert(values).returning('*');
    return row as ExternalResourceRow;
  },

  /** Newest first, at most 500. */
  list: (db: Db, filter: ExternalResourceFilter): Promise<ExternalResourceRow[]> =>
    db('external_resources')
      .modify((q) => {
        if (filter.ownedBy) q.where({ userId: filter.ownedBy });
        if (filter.trainedBy)
          q.whereExists((e) =>
            e
              .select(db.raw('1'))
              .from('enrollments as e')
              .join('trainers as t', 't.id', 'e.trainerId')
              .whereRaw('e.user_id = external_resources.user_id')
              .where('t.userId', filter.trainedBy!),
          );
        if (filter.userId) q.where({ userId: filter.userId });
        if (filter.active === true) q.whereNull('deprovisionedAt');
        if (filter.active === false) q.whereNotNull('deprovisionedAt');
      })
      .orderBy('provisionedAt', 'desc')
      .limit(500),

  findById: (db: Db, id: string): Promise<ExternalResourceRow | undefined> =>
    db('external_resources').where({ id }).first(),

  /** Idempotent: the first deprovisioning time stands; undefined when there is no such resource. */
  async markDeprovisioned(db: Db, id: string): Promise<ExternalResourceRow | undefined> {
    const [row] = await db('external_resources')
      .where({ id })
      .update({ deprovisionedAt: db.raw('coalesce(deprovisioned_at, now())') })
      .returning('*');
    return row as ExternalResourceRow | undefined;
  },
};
