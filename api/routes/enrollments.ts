import { z } from 'zod';
import { recordAudit } from '../../lib/audit';
import { enrollmentsRepo, type EnrollmentRow } from '../../lib/db/repositories/enrollments';
import { curriculumRepo } from '../../lib/db/repositories/curriculum';
import { requestEnrollmentStatusChange } from '../../lib/enrollments/request-enrollment-status-change';
import { trainersRepo } from '../../lib/db/repositories/trainers';
import { usersRepo } from '../../lib/db/repositories/users';
import { errors } from '../../lib/errors';
import { currentAuth, requireUser } from '../http/auth';
import { ApiRouter } from '../http/route';
import { freeText } from '../http/text';
import {
  adminEnroll,
  awaitOnboardingStatus,
  changeEnrollmentStatus,
  nudgeWaitingOnboardings,
} from '../workflows/onboarding';
import type { RouterFactory } from './index';
import {
  enrollmentStatusSchema,
  enrollRefusal,
  statusChangeRefusal,
  trackCodeInput,
  type EnrollmentStatusAction,
} from '../../lib/domain/index';

const enrollmentView = z.object({
  id: z.uuid(),
  track: z.string(),
  status: enrollmentStatusSchema,
  enrolledAt: z.iso.datetime().nullable(),
  graduationDate: z.string().nullable(),
  paymentVerified: z.boolean(),
  trainer: z.object({ id: z.uuid(), fullName: z.string() }).nullable(),
});
const reasonBody = z.object({ reason: freeText(500, { trim: true }).min(1) }).strict();
const idParams = z.object({ id: z.uuid() });
const adminEnrollBody = z
  .object({
    userId: z.uuid(),
    track: trackCodeInput,
    bypassPayment: z.boolean(),
    notes: freeText(2000, { trim: true }).optional(),
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

  /**
   * Admin status changes go through the student's onboarding workflow (convention 11): its
   * activity applies them with their audit entry, and the saga follows (a reinstated
   * student may have lost a full trainer's seat).
   */
  function statusChange(action: EnrollmentStatusAction) {
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
        const current = await enrollmentsRepo.findById(knex, params.id);
        if (!current) throw errors.notFound('Enrollment');
        // Checked again under the row lock in the workflow's activity; refused here, no saga is started for nothing.
        const refusal = statusChangeRefusal(action, current.status);
        if (refusal) throw errors.conflict(refusal);
        // The reason is free text and the address personal: they wait in a request row, the workflow gets its id.
        const requestId = await requestEnrollmentStatusChange(knex, {
          enrollmentId: current.id,
          action,
          reason: body.reason,
          actorId: adminUser.id,
          ipAddress: req.ip ?? null,
        });
        await changeEnrollmentStatus(deps, { userId: current.userId, track: current.trackCode, requestId });
        // A suspended student no longer holds a seat: students waiting for a trainer of the track may take it now.
        if (action === 'suspend') {
          await nudgeWaitingOnboardings(deps, [current.trackCode]).catch((error: unknown) =>
            req.log?.warn({ err: error }, 'waiting onboardings not nudged'),
          );
        }
        res.json(await view((await enrollmentsRepo.findById(knex, params.id))!));
      },
    );
  }
  statusChange('suspend');
  statusChange('reinstate');

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
      const refusal = enrollRefusal(
        await usersRepo.findById(knex, body.userId),
        await curriculumRepo.findTrack(knex, body.track),
      );
      if (refusal === 'UserUnavailable') throw errors.notFound('Student');
      if (refusal === 'TrackClosed') throw errors.conflict('This track is not open for enrollment.');
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
        return adminEnroll(deps, {
          userId: body.userId,
          track: body.track,
          adminId: adminUser.id,
          bypassPayment: body.bypassPayment,
        });
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
