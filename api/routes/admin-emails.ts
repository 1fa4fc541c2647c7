import { z } from 'zod';
import { emailMessagesRepo } from '../../lib/db/repositories/email-messages';
import { TEMPLATE_NAMES, type TemplateName } from '../../templates/email/catalog';
import { requireUser } from '../http/auth';
import { ApiRouter } from '../http/route';
import { noControlCharacters } from '../http/text';
import type { RouterFactory } from './index';

const emailMessage = z.object({
  id: z.uuid(),
  to: z.string(),
  template: z.string(),
  subject: z.string(),
  status: z.enum(['QUEUED', 'SENT', 'STORED', 'FAILED']),
  provider: z.string().nullable(),
  error: z.string().nullable(),
  attempts: z.number().int(),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
});

/** The outbox and sent mail, for admins (the embedded default's only window onto email). */
export const createAdminEmailsRouter: RouterFactory = ({ knex }, registry) => {
  const api = new ApiRouter(registry);

  api.route(
    {
      method: 'get',
      path: '/api/admin/emails',
      summary: 'Sent and queued email messages, newest first',
      tags: ['Operations'],
      secured: true,
      query: z.object({
        // No control characters: PostgreSQL rejects a NUL in a query parameter (a 500 otherwise).
        to: noControlCharacters(z.string().trim().min(1).max(320)).optional(),
        template: z.enum(TEMPLATE_NAMES as [TemplateName, ...TemplateName[]]).optional(),
        limit: z.coerce.number().int().min(1).max(500).default(100),
      }),
      responses: { 200: { description: 'Email messages', schema: z.array(emailMessage) } },
    },
    [requireUser({ roles: ['admin'] })],
    async ({ query }, _req, res) => {
      const rows = await emailMessagesRepo.list(knex, query);
      res.json(
        rows.map(({ toAddress, createdAt, sentAt, ...rest }) => ({
          ...rest,
          to: toAddress,
          createdAt: createdAt.toISOString(),
          sentAt: sentAt ? sentAt.toISOString() : null,
        })),
      );
    },
  );

  return { router: api.router };
};
