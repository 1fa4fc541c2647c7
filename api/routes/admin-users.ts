import type { Request } from 'express';
import { z } from 'zod';
import { createTrainer } from '../../lib/accounts/create-trainer';
import { createUser } from '../../lib/accounts/create-user';
import { presentUser } from '../../lib/accounts/present-user';
import { setLegalHold } from '../../lib/accounts/set-legal-hold';
import { audited } from '../http/audit';
import { currentAuth, requireUser } from '../http/auth';
import { ApiRouter } from '../http/route';
import { signalLegalHold } from '../workflows/account-deletion';
import { nudgeWaitingOnboardings } from '../workflows/onboarding';
import type { TrackCode } from '../../lib/domain/tracks';
import { emailField, fullNameField, passwordField, reasonField, userSchema } from './account-schemas';
import type { RouterFactory } from './index';
import { roleSchema, trackCodeSchema } from '../../lib/domain/index';

const createUserBody = z.strictObject({
  email: emailField,
  fullName: fullNameField,
  role: roleSchema,
  password: passwordField.optional(),
});
const createTrainerBody = z.strictObject({
  userId: z.uuid(),
  tracks: z
    .array(trackCodeSchema)
    .min(1)
    .max(2)
    .refine((t) => new Set(t).size === t.length, 'tracks must not repeat'),
  maxStudents: z.number().int().min(1).max(20).default(20),
});
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const userIdParams = z.object({ id: z.uuid() });
const legalHoldBody = z.strictObject({ reason: reasonField });
const trainerSchema = z.object({
  id: z.uuid(),
  userId: z.uuid(),
  tracks: z.array(trackCodeSchema),
  maxStudents: z.number().int(),
  active: z.boolean(),
});
const legalHoldSchema = z.object({
  userId: z.uuid(),
  legalHold: z.boolean(),
  legalHoldReason: z.string().nullable(),
  legalHoldAt: z.iso.datetime().nullable(),
});

export const createAdminUsersRouter: RouterFactory = (deps, registry) => {
  const { knex } = deps;
  const api = new ApiRouter(registry);
  const admin = requireUser({ roles: ['admin'] });
  // `audited` goes first so refused attempts (401/403) are recorded too.
  // Only a well-formed id reaches the log, even when the request is refused.
  const userIdParam = (req: Request) =>
    typeof req.params.id === 'string' && UUID.test(req.params.id) ? req.params.id : undefined;
  const subjectFromParams = {
    subject: userIdParam,
    resource: (req: Request) => {
      const id = userIdParam(req);
      return id && `user:${id}`;
    },
  };

  api.route(
    {
      method: 'post',
      path: '/api/admin/users',
      summary: 'Create a user (superadmin alone may create admins)',
      tags: ['Admin'],
      secured: true,
      body: createUserBody,
      responses: { 201: { description: 'The user', schema: userSchema } },
    },
    [audited(knex, 'admin.user_created'), admin],
    async ({ body }, req, res) => {
      const user = await createUser(knex, body, currentAuth(req).user.role);
      res.locals.auditDetails = { createdUserId: user.id, role: user.role, mustSetPassword: user.mustSetPassword };
      res.status(201).json(presentUser(user));
    },
  );

  api.route(
    {
      method: 'post',
      path: '/api/admin/trainers',
      summary: 'Make a user a trainer for tracks',
      tags: ['Admin'],
      secured: true,
      body: createTrainerBody,
      responses: { 201: { description: 'The trainer', schema: trainerSchema } },
    },
    [audited(knex, 'admin.trainer_created'), admin],
    async ({ body }, _req, res) => {
      const trainer = await knex.transaction((trx) => createTrainer(trx, body));
      await nudgeWaitingOnboardings(deps, trainer.tracks as TrackCode[]);
      res.locals.auditDetails = {
        trainerId: trainer.id,
        trainerUserId: trainer.userId,
        tracks: trainer.tracks,
        maxStudents: trainer.maxStudents,
      };
      res.status(201).json({
        id: trainer.id,
        userId: trainer.userId,
        tracks: trainer.tracks,
        maxStudents: trainer.maxStudents,
        active: trainer.active,
      });
    },
  );

  const showHold = (user: Awaited<ReturnType<typeof setLegalHold>>) => ({
    userId: user.id,
    legalHold: user.legalHold,
    legalHoldReason: user.legalHoldReason,
    legalHoldAt: user.legalHoldAt,
  });

  api.route(
    {
      method: 'post',
      path: '/api/admin/users/:id/legal-hold',
      summary: 'Place a legal hold (pauses erasure and retention)',
      tags: ['Admin'],
      secured: true,
      params: userIdParams,
      body: legalHoldBody,
      responses: { 200: { description: 'Held', schema: legalHoldSchema } },
    },
    [audited(knex, 'admin.legal_hold_placed', subjectFromParams), admin],
    async ({ params, body }, _req, res) => {
      const held = await setLegalHold(knex, params.id, body.reason);
      // A running account deletion pauses (a signal, not a poll).
      await signalLegalHold(deps, params.id, true);
      res.json(showHold(held));
    },
  );

  api.route(
    {
      method: 'delete',
      path: '/api/admin/users/:id/legal-hold',
      summary: 'Lift a legal hold',
      tags: ['Admin'],
      secured: true,
      params: userIdParams,
      responses: { 200: { description: 'Lifted', schema: legalHoldSchema } },
    },
    [audited(knex, 'admin.legal_hold_lifted', subjectFromParams), admin],
    async ({ params }, _req, res) => {
      const lifted = await setLegalHold(knex, params.id, null);
      await signalLegalHold(deps, params.id, false);
      res.json(showHold(lifted));
    },
  );

  return { router: api.router };
};
