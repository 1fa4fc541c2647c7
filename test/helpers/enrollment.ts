import { createProgressActivities } from '../../activities/progress';
import type { Knex } from '../../lib/db/knex';
import type { TrackCode } from '../../lib/domain/tracks';

export interface TestEnrollment {
  enrollmentId: string;
  trainerId: string;
  firstProjectId: string;
}

/**
 * An ENROLLED student with an assigned trainer and project 1 unlocked, written straight
 * to the database (onboarding does this for real), using the same unlock activity.
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
  const unlocked = await createProgressActivities({ knex }).unlockFirstProject({ userId: options.userId, track });
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

export const emailCounts = async (knex: Knex, userId: string): Promise<Record<string, number>> => {
  const rows: { template: string; n: number }[] = await knex('email_messages')
    .where({ userId })
    .groupBy('template')
    .select('template')
    .count({ n: '*' });
  return Object.fromEntries(rows.map((r) => [r.template, Number(r.n)]));
};
