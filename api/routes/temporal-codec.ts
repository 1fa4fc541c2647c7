import cors from 'cors';
import type { Request } from 'express';
import { z } from 'zod';
import { errors } from '../../lib/errors';
import { audited } from '../http/audit';
import { requireUser } from '../http/auth';
import { ApiRouter, problem } from '../http/route';
import { noControlCharacters } from '../http/text';
import { createRemoteCodec } from '../workflows/temporal-codec';
import type { RouterFactory } from './index';

// A Payload in proto3 JSON, as Temporal's remote codec protocol carries it: bytes are base64.
const base64 = z.base64();
const jsonPayload = z.strictObject({
  metadata: z.record(z.string().min(1).max(256), base64).nullish(),
  data: base64.nullish(),
});
const payloadsBody = z.strictObject({
  payloads: z.array(jsonPayload).max(1000).describe('Payloads in proto3 JSON (metadata values and data base64)'),
});
const namespaceHeader = noControlCharacters(z.string().min(1).max(255));

/** The namespace the UI or CLI names (X-Namespace); the codec is the same for every one. */
function namespaceOf(req: Request): string {
  const header = req.get('x-namespace');
  if (header === undefined) return 'unnamed';
  const parsed = namespaceHeader.safeParse(header);
  if (!parsed.success) throw errors.validation('The X-Namespace header is not a namespace name.');
  return parsed.data;
}

/**
 * Temporal's remote codec protocol for the Temporal UI (`--ui-codec-endpoint`) and CLI
 * (`--codec-endpoint`): payloads in, payloads through the payload codec, payloads out. Admins
 * only, by bearer token (the CLI's `--codec-auth`, the UI's "pass access token") or session
 * cookie (the UI's "include cross-origin credentials"), so CORS answers the UI's origins
 * with credentials allowed. Every call is audited: a decode is a read of workflow data.
 */
export const createTemporalCodecRouter: RouterFactory = (deps, registry) => {
  const api = new ApiRouter(registry);
  const codec = createRemoteCodec(deps.config);
  const origins = deps.config.TEMPORAL_UI_ORIGINS ?? [new URL(deps.config.TEMPORAL_UI_URL).origin];
  const allowUi = cors({
    origin: origins,
    credentials: true,
    methods: ['POST'],
    allowedHeaders: ['content-type', 'x-namespace', 'authorization'],
    maxAge: 600,
  });
  const admin = requireUser({ roles: ['admin'] });
  const resource = (req: Request) => {
    const header = namespaceHeader.safeParse(req.get('x-namespace') ?? 'unnamed');
    return `temporal-namespace:${header.success ? header.data : '(invalid)'}`;
  };
  const count = (req: Request) => ({
    payloads: Array.isArray((req.body as { payloads?: unknown })?.payloads)
      ? (req.body as { payloads: unknown[] }).payloads.length
      : 0,
  });

  for (const action of ['decode', 'encode'] as const) {
    const path = `/api/temporal-codec/${action}`;
    registry.registerPath({
      method: 'options',
      path,
      summary: `CORS preflight of ${action} (the Temporal UI's origins, TEMPORAL_UI_ORIGINS)`,
      tags: ['Operations'],
      responses: { 204: { description: 'Preflight answered; Access-Control-Allow-* for an allowed Origin' } },
    });
    api.router.options(path, allowUi);
    api.route(
      {
        method: 'post',
        path,
        summary:
          action === 'decode'
            ? "Decrypts Temporal payloads for the Temporal UI or CLI (Temporal's remote codec protocol)"
            : "Encrypts Temporal payloads for the Temporal UI or CLI (Temporal's remote codec protocol)",
        description:
          'An optional `X-Namespace` header names the namespace (recorded in the audit log). Payloads that are not ' +
          'encrypted pass through a decode unchanged.',
        tags: ['Operations'],
        secured: true,
        body: payloadsBody,
        responses: {
          200: { description: 'The payloads, in the same order', schema: payloadsBody },
          400: problem('Not a codec request, or a payload that fails authentication or names an unknown key'),
          401: problem('Not signed in'),
        },
      },
      [
        allowUi,
        audited(deps.knex, action === 'decode' ? 'temporal.payloads_decoded' : 'temporal.payloads_encoded', {
          resource,
          details: count,
        }),
        admin,
      ],
      async ({ body }, req, res) => {
        namespaceOf(req);
        const payloads = await codec(action, body.payloads);
        res.json({ payloads });
      },
    );
  }
  return { router: api.router };
};
