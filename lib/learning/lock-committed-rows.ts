import type { Db } from '../db/knex';

/*
 * Row locks the API's submit and review transactions hold until they commit: taken in a
 * transaction before reading, they make the reader wait for that commit (or rollback).
 */

/** FOR UPDATE on the student's progress row of the project (held by the submit transaction). */
export async function lockProgressRow(db: Db, userId: string, projectId: string): Promise<void> {
  await db('student_progress').where({ userId, projectId }).forUpdate().first('id');
}

/** FOR SHARE on the submission row (held by the review transaction). */
export async function lockSubmissionRow(db: Db, submissionId: string): Promise<void> {
  await db('submissions').where({ id: submissionId }).forShare().first('id');
}
