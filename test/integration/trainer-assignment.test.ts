import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainersRepo } from '../../lib/db/repositories/trainers';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { createTestUser } from '../helpers/users';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

async function trainer(maxStudents: number): Promise<string> {
  const { user } = await createTestUser(db.knex, { role: 'trainer' });
  const [row] = await db
    .knex('trainers')
    .insert({ userId: user.id, tracks: ['DP'], maxStudents })
    .returning('id');
  return row.id as string;
}

async function enrolled(count: number, trainerId: string | null = null): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const { user } = await createTestUser(db.knex);
    const [row] = await db
      .knex('enrollments')
      .insert({ userId: user.id, trackCode: 'DP', status: 'ENROLLED', enrolledAt: new Date(), trainerId })
      .returning('id');
    ids.push(row.id as string);
  }
  return ids;
}

const studentsOf = async (trainerId: string) =>
  Number((await db.knex('enrollments').where({ trainerId, status: 'ENROLLED' }).count({ n: '*' }))[0]!.n);

describe('trainer assignment (real PostgreSQL)', () => {
  it('never assigns past a lowered max_students, even with many assignments at once', async () => {
    await db.knex('trainers').update({ active: false }); // only this test's trainers teach DP
    const lowered = await trainer(20);
    await enrolled(3, lowered);
    await db.knex('trainers').where({ id: lowered }).update({ maxStudents: 2 }); // now over capacity: takes nobody
    const other = await trainer(4);

    const waiting = await enrolled(8);
    const assigned = await Promise.all(waiting.map((id) => trainersRepo.assignLeastLoaded(db.knex, id, 'DP')));

    expect(assigned.filter((t) => t === lowered)).toHaveLength(0);
    expect(assigned.filter((t) => t === other)).toHaveLength(4);
    expect(assigned.filter((t) => t === null)).toHaveLength(4);
    expect(await studentsOf(lowered)).toBe(3);
    expect(await studentsOf(other)).toBe(4);
  });

  it('keeps the trainer an enrollment already has (idempotent) and skips inactive trainers', async () => {
    await db.knex('trainers').update({ active: false });
    const first = await trainer(5);
    const [enrollmentId] = await enrolled(1);
    const chosen = await trainersRepo.assignLeastLoaded(db.knex, enrollmentId!, 'DP');
    expect(chosen).toBe(first);
    await db.knex('trainers').where({ id: first }).update({ active: false });
    await trainer(5);
    expect(await trainersRepo.assignLeastLoaded(db.knex, enrollmentId!, 'DP')).toBe(first);
    const [next] = await enrolled(1);
    expect(await trainersRepo.assignLeastLoaded(db.knex, next!, 'DP')).not.toBe(first);
  });
});
