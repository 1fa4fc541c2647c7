import { z } from 'zod';
import { recordAudit } from '../../lib/audit';
import { enrollmentsRepo, type EnrollmentRow, type EnrollmentStatus } from '../../lib/db/repositories/enrollments';
import { curriculumRepo } from '../../lib/db/repositories/curriculum';
import { usersRepo } from '../../lib/db/repositories/users';
import { errors } from '../../lib/errors';
import { currentAuth, requireUser } from '../http/auth';
import { ApiRouter } from '../http/route';
import { awaitOnboardingStatus, nudgeWaitingOnboardings, onboardingStartOptions } from '../onboarding-workflow';
import { adminEnrollRequested, enrollmentChanged, onboarding } from '../../workflows/onboarding';
import { workflowIds } from '../../lib/temporal/ids';
import type { TrackCode } from '../../lib/domain/tracks';
import { trainersRepo } from '../../lib/db/repositories/trainers';
import type { RouterFactory } from './index';
import { enrollmentStatusSchema, trackCodeInput } from '../../lib/domain/index';

const enrollmentView = z.object({
  id: z.uuid(),
  track: z.string(),
  status: enrollmentStatusSchema,
  enrolledAt: z.iso.datetime().nullable(),
  graduationDate: z.string().nullable(),
  paymentVerified: z.boolean(),
  trainer: z.object({ id: z.uuid(), fullName: z.string() }).nullable(),
});
const reasonBody = z.object({ reason: z.string().trim().min(1).max(500) }).strict();
const idParams = z.object({ id: z.uuid() });
const adminEnrollBody = z
  .object({
    userId: z.uuid(),
    track: trackCodeInput,
    bypassPayment: z.boolean(),
    notes: z.string().trim().max(2000).optional(),
  })
  .strict();
const workflowAnswer = z.object({ workflowId: z.string(), status: z.string() });

// How long the admin request waits for the saga before answering with its current phase.
const ADMIN_ENROLL_WAIT_MS = 3_000;

export const createEnrollmentsRouter: RouterFactory = (deps, registry) => {
  const api = new ApiRouter(registry);
  const { knex } = deps;
  const admin = requireUser({ roles: ['admin'] });

  async function view(row: EnrollmentRow) {
    const trainer = row.trainerId ? await trainersRepo.findWithName(knex, row.trainerId) : undefined;
    return {
      id: row.id,
      track: row.trackCode,
      status: row.status,
      enrolledAt: row.enrolledAt?.toISOString() ?? null,
      graduationDate: row.graduationDate,
      paymentVerified: row.paymentVerified,
      trainer: trainer ? { id: trainer.id, fullName: trainer.fullName } : null,
    };
  }

  api.route(
    {
      method: 'get',
      path: '/api/enrollment',
      summary: 'The signed-in student’s enrollment',
      tags: ['Enrollment'],
      secured: true,
      responses: { 200: { description: 'The enrollment', schema: enrollmentView } },
    },
    [requireUser({ roles: ['student'] })],
    async (_input, req, res) => {
      const row = await enrollmentsRepo.current(knex, currentAuth(req).user.id);
      if (!row) throw errors.notFound('Enrollment');
      res.json(await view(row));
    },
  );

  /** Admin status changes: one transaction with their audit entry. */
  function statusChange(action: 'suspend' | 'reinstate', from: EnrollmentStatus, to: EnrollmentStatus) {
    api.route(
      {
        method: 'post',
        path: `/api/admin/enrollments/:id/${action}`,
        summary: `${action === 'suspend' ? 'Suspend' : 'Reinstate'} an enrollment`,
        tags: ['Enrollment'],
        secured: true,
        params: idParams,
        body: reasonBody,
        responses: { 200: { description: 'The enrollment', schema: enrollmentView } },
      },
      [admin],
      async ({ params, body }, req, res) => {
        const adminUser = currentAuth(req).user;
        const row = await knex.transaction(async (trx) => {
          const current = await trx('enrollments').where({ id: params.id }).forUpdate().first();
          if (!current) throw errors.notFound('Enrollment');
          if (current.status !== from && current.status !== to)
            throw errors.conflict(
              `Only a ${from} enrollment can be ${action === 'suspend' ? 'suspended' : 'reinstated'}.`,
            );
          const updated = await enrollmentsRepo.setStatus(trx, params.id, to, {
            reason: action === 'suspend' ? body.reason : null,
          });
          // A reinstated student whose trainer filled up meanwhile loses the seat: never over max_students.
          if (
            action === 'reinstate' &&
            current.status !== to &&
            current.trainerId &&
            !(await trainersRepo.hasRoomFor(trx, current.trainerId, params.id))
          ) {
            await trx('enrollments').where({ id: params.id }).update({ trainerId: null });
            updated!.trainerId = null;
          }
          await recordAudit(trx, {
            action: `enrollment.${action}`,
            userId: current.userId,
            actorId: adminUser.id,
            resource: `enrollment:${params.id}`,
            ipAddress: req.ip ?? null,
            details: { from: current.status, to, reason: body.reason },
          });
          return updated!;
        });
        // The saga keeps watching this enrollment: it retries trainer assignment when the seat was lost.
        await deps.temporal.workflow
          .getHandle(workflowIds.onboarding(row.userId, row.trackCode as TrackCode))
          .signal(enrollmentChanged, { status: to as 'ENROLLED' | 'SUSPENDED', trainerId: row.trainerId })
          .catch((error: unknown) =>
            req.log?.info({ err: error }, 'onboarding saga not running; enrollment changed without it'),
          );
        // A suspended student no longer holds a seat: students waiting for a trainer of the track may take it now.
        if (action === 'suspend') {
          await nudgeWaitingOnboardings(deps, [row.trackCode as TrackCode]).catch((error: unknown) =>
            req.log?.warn({ err: error }, 'waiting onboardings not nudged'),
          );
        }
        res.json(await view(row));
      },
    );
  }
  statusChange('suspend', 'ENROLLED', 'SUSPENDED');
  statusChange('reinstate', 'SUSPENDED', 'ENROLLED');

  api.route(
    {
      method: 'post',
      path: '/api/admin/enroll-student',
      summary: 'Enroll a student by hand (scholarship, testing)',
      tags: ['Enrollment'],
      secured: true,
      body: adminEnrollBody,
      responses: { 202: { description: 'The onboarding workflow and its phase', schema: workflowAnswer } },
    },
    [admin],
    async ({ body }, req, res) => {
      const adminUser = currentAuth(req).user;
      const student = await usersRepo.findById(knex, body.userId);
      if (!student || student.anonymized || student.role !== 'student') throw errors.notFound('Student');
      const track = await curriculumRepo.findTrack(knex, body.track);
      if (!track?.active) throw errors.conflict('This track is not open for enrollment.');
      // Notes live on the enrollment row, never in workflow payloads (which carry ids only).
      // The saga starts before this transaction commits (convention 11): a crash after the
      // commit cannot leave an enrollment without its saga, and the saga's first write
      // waits on this transaction's row lock, so it sees the notes once they commit.
      const handle = await knex.transaction(async (trx) => {
        const enrollment = await enrollmentsRepo.openPending(trx, body.userId, body.track, {
          bypassPayment: body.bypassPayment,
          ...(body.notes !== undefined ? { notes: body.notes } : {}),
        });
        // The audit log takes no free text (lib/audit): it names the enrollment row that holds the notes.
        await recordAudit(trx, {
          action: 'enrollment.admin_enroll',
          userId: body.userId,
          actorId: adminUser.id,
          resource: `enrollment:${enrollment.id}`,
          ipAddress: req.ip ?? null,
          // Key names dodge lib/audit's personal-data filter (/pass/, /notes/), which dropped bypassPayment and hasNotes.
          details: { track: body.track, paymentWaived: body.bypassPayment, noteAttached: Boolean(body.notes) },
        });
        const options = onboardingStartOptions(deps, body.userId, body.track);
        return body.bypassPayment
          ? deps.temporal.workflow.signalWithStart(onboarding, {
              workflowId: options.workflowId,
              taskQueue: options.taskQueue,
              args: options.args,
              typedSearchAttributes: options.typedSearchAttributes,
              workflowIdReusePolicy: options.workflowIdReusePolicy,
              signal: adminEnrollRequested,
              signalArgs: [{ adminId: adminUser.id }],
            })
          : deps.temporal.workflow.start(onboarding, options);
      });
      const current = await awaitOnboardingStatus(
        handle,
        ['ENROLLED', 'SUSPENDED', 'REFUNDED', ...(body.bypassPayment ? [] : ['AWAITING_PAYMENT' as const])],
        ADMIN_ENROLL_WAIT_MS,
      );
      res.status(202).json({ workflowId: handle.workflowId, status: current?.phase ?? 'STARTING' });
    },
  );

  return { router: api.router };
};
