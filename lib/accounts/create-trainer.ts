import type { Db } from '../db/knex';
import { withDbErrors } from '../db/errors';
import { usersRepo } from '../db/repositories/users';
import { errors } from '../errors';

export interface TrainerRow {
  id: string;
  userId: string;
  tracks: string[];
  maxStudents: number;
  active: boolean;
  createdAt: Date;
}

/** Makes a user a trainer for tracks; a student account becomes a trainer, staff keep their role. */
export async function createTrainer(
  db: Db,
  input: { userId: string; tracks: string[]; maxStudents: number },
): Promise<TrainerRow> {
  const user = await usersRepo.findById(db, input.userId);
  if (!user || user.anonymized) throw errors.notFound('User');
  if (user.role === 'student') await usersRepo.update(db, user.id, { role: 'trainer' });
  const [row] = await withDbErrors(
    () =>
      db('trainers')
        .insert({ userId: input.userId, tracks: input.tracks, maxStudents: input.maxStudents })
        .returning(['id', 'userId', 'tracks', 'maxStudents', 'active', 'createdAt']),
    { trainers_user_id_unique: 'This user is already a trainer.' },
  );
  return row as TrainerRow;
}
