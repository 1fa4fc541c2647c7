import { randomUUID } from 'node:crypto';
import { hashToken, newToken } from '../../lib/auth/tokens';
import type { Knex } from '../../lib/db/knex';
import { policiesRepo } from '../../lib/db/repositories/policies';
import { usersRepo, type Role, type UserRow } from '../../lib/db/repositories/users';
import type { TrackCode } from '../../lib/domain/tracks';
import { unlockFirstProject } from '../../lib/learning/unlock-first-project';

// Shared by tests and benchmarks, so bench/ never imports from test/.

export interface TestUser {
  user: UserRow;
  token: string;
}

/**
 * A user with the current policies accepted and a live session, written straight to
 * the database (for tests of other capabilities; sign-up itself is tested over HTTP).
 */
export async function createTestUser(
  knex: Knex,
  options: { role?: Role; email?: string; fullName?: string } = {},
): Promise<TestUser> {
  const versions = await policiesRepo.activeVersions(knex);
  const user = await usersRepo.insert(knex, {
    email: options.email ?? `user-${randomUUID()}@example.test`,
    fullName: options.fullName ?? 'Test User',
    role: options.role ?? 'student',
    privacyAccepted: true,
    privacyAcceptedAt: new Date(),
    privacyVersion: versions.privacyVersion,
    termsVersion: versions.termsVersion,
  });
  await knex('user_consents').insert({
    userId: user.id,
    kind: 'policies',
    granted: true,
    policyVersion: versions.privacyVersion,
    termsVersion: versions.termsVersion,
  });
  const token = newToken();
  await knex('sessions').insert({
    userId: user.id,
    tokenHash: hashToken(token),
    expiresAt: new Date(Date.now() + 86_400_000),
  });
  return { user, token };
}

export interface TestEnrollment {
  enrollmentId: string;
  trainerId: string;
  firstProjectId: string;
}

/**
 * An ENROLLED student with an assigned trainer and project 1 unlocked, written straight
 * to the database (onboarding does this for real), using the same unlock.
 */
export async function enrollStudent(
  knex: Knex,
  options: { userId: string; trainerUserId: string; track?: TrackCode },
): Promise<TestEnrollment> {
  const track = options.track ?? 'FSD';
  const [trainer] = await knex('trainers')
    .insert({ userId: options.trainerUserId, tracks: [track] })
    .onConflict('userId')
    .merge({ tracks: knex.raw('(SELECT array_agg(DISTINCT t) FROM unnest(trainers.tracks || excluded.tracks) t)') })
    .returning('id');
  const [enrollment] = await knex('enrollments')
    .insert({
      userId: options.userId,
      trackCode: track,
      status: 'ENROLLED',
      enrolledAt: new Date(),
      paymentVerified: true,
      trainerId: trainer.id,
    })
    .returning('id');
  const unlocked = await unlockFirstProject(knex, options.userId, track);
  if (!unlocked) throw new Error(`Track ${track} has no required project.`);
  return { enrollmentId: enrollment.id, trainerId: trainer.id, firstProjectId: unlocked.projectId };
}

/** The track's projects with steps and deliverables, in order. */
export async function trackOutline(knex: Knex, track: TrackCode) {
  const projects = await knex('projects').where({ trackCode: track }).orderBy('position');
  const steps = await knex('steps')
    .whereIn(
      'projectId',
      projects.map((p) => p.id),
    )
    .orderBy('position');
  const deliverables = await knex('deliverables')
    .whereIn(
      'stepId',
      steps.map((s) => s.id),
    )
    .orderBy('position');
  return projects.map((p) => ({
    id: p.id as string,
    title: p.title as string,
    required: p.required as boolean,
    steps: steps
      .filter((s) => s.projectId === p.id)
      .map((s) => ({
        id: s.id as string,
        deliverables: deliverables
          .filter((d) => d.stepId === s.id)
          .map((d) => ({ id: d.id as string, required: d.required as boolean })),
      })),
  }));
}
