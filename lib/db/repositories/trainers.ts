import type { Db, Knex } from '../knex';

export interface TrainerLoad {
  id: string;
  userId: string;
  maxStudents: number;
  activeStudents: number;
}

export const trainersRepo = {
  /**
   * Assigns the trainer with the fewest active students who teaches `track` and has
   * room, or none. Safe under concurrency: the candidate trainer rows are locked
   * (FOR UPDATE, in id order so concurrent assignments never deadlock) before their
   * students are counted, so two enrollments cannot both take a trainer's last seat.
   * Idempotent: an enrollment that has a trainer keeps it.
   */
  async assignLeastLoaded(knex: Knex, enrollmentId: string, track: string): Promise<string | null> {
    return knex.transaction(async (trx) => {
      const enrollment = await trx('enrollments').where({ id: enrollmentId }).forUpdate().first();
      if (!enrollment) return null;
      if (enrollment.trainerId) return enrollment.trainerId as string;
      const candidates: { id: string }[] = await trx('trainers')
        .select('id')
        .where({ active: true })
        .whereRaw('? = ANY(tracks)', [track])
        .orderBy('id')
        .forUpdate();
      if (candidates.length === 0) return null;
      const loads = await trainersRepo.loads(
        trx,
        candidates.map((c) => c.id),
      );
      const choice = loads
        .filter((l) => l.activeStudents < l.maxStudents)
        .sort((a, b) => a.activeStudents - b.activeStudents || a.id.localeCompare(b.id))[0];
      if (!choice) return null;
      await trx('enrollments').where({ id: enrollmentId }).update({ trainerId: choice.id, updatedAt: trx.fn.now() });
      return choice.id;
    });
  },

  /** Whether the trainer can take this enrollment (counted without it); locks the trainer row. */
  async hasRoomFor(trx: Knex.Transaction, trainerId: string, enrollmentId: string): Promise<boolean> {
    const trainer = await trx('trainers').where({ id: trainerId }).forUpdate().first();
    if (!trainer?.active) return false;
    const [row] = await trx('enrollments')
      .where({ trainerId, status: 'ENROLLED' })
      .whereNot({ id: enrollmentId })
      .count({ n: '*' });
    return Number(row?.n) < trainer.maxStudents;
  },

  /** Whether the trainer (by user id) is assigned to one of the student's enrollments. */
  async teaches(db: Db, trainerUserId: string, studentUserId: string): Promise<boolean> {
    const row = await db('enrollments as e')
      .join('trainers as t', 't.id', 'e.trainerId')
      .where({ 'e.userId': studentUserId, 't.userId': trainerUserId })
      .first(db.raw('1 AS assigned'));
    return row !== undefined;
  },

  /** The trainer with the name a student sees. */
  findWithName: (db: Db, id: string): Promise<{ id: string; fullName: string } | undefined> =>
    db('trainers')
      .join('users', 'users.id', 'trainers.userId')
      .where('trainers.id', id)
      .first('trainers.id', 'users.fullName'),

  async loads(db: Db, trainerIds: string[]): Promise<TrainerLoad[]> {
    const result = await db.raw(
      `SELECT t.id, t.user_id, t.max_students,
              (SELECT count(*) FROM enrollments e WHERE e.trainer_id = t.id AND e.status = 'ENROLLED') AS active_students
         FROM trainers t WHERE t.id = ANY(?::uuid[])`,
      [trainerIds],
    );
    return result.rows as TrainerLoad[];
  },
};
