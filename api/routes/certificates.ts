import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { certificateEligibility } from '../../lib/certificates/eligibility';
import { cohortIssuer, openBadgeCredential, signCredential, verifyOpenBadge } from '../../lib/certificates/open-badge';
import { buildStatusList } from '../../lib/certificates/status-list';
import { findCertificateByCode, type CertificateVerification } from '../../lib/certificates/verification-view';
import { certificatesRepo, type CertificateRow } from '../../lib/db/repositories/certificates';
import { formatVerificationCode } from '../../lib/domain/certificates';
import { trackCodeInput, type TrackCode } from '../../lib/domain/tracks';
import { errors } from '../../lib/errors';
import { linkedInAddToProfileUrl, renderVerifyPage } from '../../templates/certificate/render';
import { currentAuth, hasRole, requireUser } from '../http/auth';
import { audited } from '../http/audit';
import { ApiRouter, problem } from '../http/route';
import { freeText } from '../http/text';
import { startCertification } from '../workflows/certification';
import type { RouterFactory } from './index';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

const verificationView = z.object({
  valid: z.boolean(),
  verificationCode: z.string(),
  holderName: z.string(),
  track: z.string(),
  trackName: z.string(),
  issuedAt: z.string(),
  revokedAt: z.string().nullable(),
  revocationReason: z.string().nullable(),
  pdfUrl: z.string().nullable(),
  verifyUrl: z.string(),
});
const listItem = z.object({
  verificationCode: z.string(),
  track: z.string(),
  issuedAt: z.string(),
  revokedAt: z.string().nullable(),
});

const toVerification = (found: CertificateVerification): z.infer<typeof verificationView> => ({
  valid: found.certificate.revokedAt === null,
  verificationCode: found.code,
  holderName: found.certificate.holderName,
  track: found.certificate.trackCode,
  trackName: found.trackName,
  issuedAt: found.certificate.issuedAt.toISOString(),
  revokedAt: iso(found.certificate.revokedAt),
  revocationReason: found.certificate.revocationReason,
  pdfUrl: found.certificate.pdfBlobKey ? found.pdfUrl : null,
  verifyUrl: found.verifyUrl,
});
const toListItem = (row: CertificateRow) => ({
  verificationCode: formatVerificationCode(row.verificationCode),
  track: row.trackCode,
  issuedAt: row.issuedAt.toISOString(),
  revokedAt: iso(row.revokedAt),
});

// Typed codes are read leniently (case, dashes, O/0, I/L/1); anything else is simply not found.
const codeParams = z.object({ verificationCode: z.string().max(64) });
const statusListParams = z.object({ list: z.coerce.number().int().min(1).max(999_999_999) });

/** A person's page: no script, its own styles (by nonce), data: images and fonts only. */
const verifyPageCsp = (nonce: string) =>
  [
    "default-src 'none'",
    `style-src 'nonce-${nonce}'`,
    'img-src data:',
    'font-src data:',
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');

/** Certificates: generation (the certification workflow), public verification, admin revocation. */
export const createCertificatesRouter: RouterFactory = (deps, registry) => {
  const { knex, config } = deps;
  const api = new ApiRouter(registry);

  api.route(
    {
      method: 'post',
      path: '/api/certificates/generate',
      summary: 'Issue the certificate of a completed track (the student, or an admin for a user)',
      tags: ['Certificates'],
      secured: true,
      body: z.object({ track: trackCodeInput, userId: z.uuid().optional() }),
      responses: {
        200: { description: 'The certificate already issued', schema: verificationView },
        202: {
          description: 'The certification workflow runs (or was running)',
          schema: z.object({ workflowId: z.string(), status: z.string() }),
        },
        409: problem('Not eligible: not enrolled, or required projects incomplete (listed in missingProjects)'),
      },
    },
    [
      requireUser(),
      audited(knex, 'certificate.generate', {
        subject: (req) => (req.body as { userId?: string } | undefined)?.userId,
      }),
    ],
    async ({ body }, req, res) => {
      const { user } = currentAuth(req);
      const isAdmin = hasRole(user, 'admin');
      const userId = body.userId ?? user.id;
      if (userId !== user.id && !isAdmin)
        throw errors.forbidden('Only an admin may issue a certificate for someone else.');
      const track = body.track as TrackCode;

      const existing = await certificatesRepo.find(knex, userId, track);
      if (existing?.pdfBlobKey) {
        const found = await findCertificateByCode(knex, existing.verificationCode, config.PUBLIC_BASE_URL);
        res.json(toVerification(found!));
        return;
      }
      if (!existing) {
        const eligibility = await certificateEligibility(knex, userId, track);
        if (!eligibility.eligible) {
          if (eligibility.reason === 'not-enrolled')
            throw errors.conflict('There is no active enrollment in this track to certify.');
          throw errors.conflictWith(
            `Required projects are not completed yet: ${eligibility.missing.map((m) => m.title).join(', ')}.`,
            { missingProjects: eligibility.missing },
          );
        }
      }
      const started = await startCertification(deps, { userId, track });
      res.status(202).json(started);
    },
  );

  api.route(
    {
      method: 'get',
      path: '/api/certificates',
      summary: "A student's certificates (an admin names the user)",
      tags: ['Certificates'],
      secured: true,
      query: z.object({ userId: z.uuid().optional() }),
      responses: { 200: { description: 'The certificates', schema: z.array(listItem) } },
    },
    [requireUser()],
    async ({ query }, req, res) => {
      const { user } = currentAuth(req);
      const userId = query.userId ?? user.id;
      if (userId !== user.id && !hasRole(user, 'admin')) throw errors.forbidden();
      res.json((await certificatesRepo.listForUser(knex, userId)).map(toListItem));
    },
  );

  api.route(
    {
      method: 'get',
      path: '/api/certificates/:verificationCode',
      summary: 'Verify a certificate by its code (public)',
      tags: ['Certificates'],
      params: codeParams,
      responses: {
        200: { description: 'The certificate, valid or revoked', schema: verificationView },
        404: problem('No certificate has this code'),
      },
    },
    [],
    async ({ params }, _req, res) => {
      const found = await findCertificateByCode(knex, params.verificationCode, config.PUBLIC_BASE_URL);
      if (!found) throw errors.notFound('Certificate');
      res.set('Cache-Control', 'no-store').json(toVerification(found));
    },
  );

  api.route(
    {
      method: 'get',
      path: '/api/certificates/:verificationCode/pdf',
      summary: "The certificate's PDF (public): a redirect to a short-lived signed link",
      tags: ['Certificates'],
      params: codeParams,
      responses: {
        302: { description: 'To a signed, expiring download link' },
        404: problem('No certificate has this code, or its PDF is not rendered yet'),
      },
    },
    [],
    async ({ params }, _req, res) => {
      const found = await findCertificateByCode(knex, params.verificationCode, config.PUBLIC_BASE_URL);
      if (!found?.certificate.pdfBlobKey) throw errors.notFound('Certificate');
      const { url } = await deps.blobs!.downloadUrl(found.certificate.pdfBlobKey, {
        ttlMs: 10 * 60_000,
        fileName: `certificate-${found.code}.pdf`,
      });
      res.set('Cache-Control', 'no-store').redirect(302, url);
    },
  );

  api.route(
    {
      method: 'get',
      path: '/api/certificates/:verificationCode/credential',
      summary: 'The certificate as a signed Open Badges 3.0 credential (Ed25519, eddsa-rdfc-2022)',
      tags: ['Certificates'],
      params: codeParams,
      responses: {
        200: { description: 'An OpenBadgeCredential', schema: z.looseObject({}), contentType: 'application/ld+json' },
        404: problem('No certificate has this code'),
      },
    },
    [],
    async ({ params }, _req, res) => {
      const found = await findCertificateByCode(knex, params.verificationCode, config.PUBLIC_BASE_URL);
      if (!found) throw errors.notFound('Certificate');
      const issuer = await cohortIssuer(config.PUBLIC_BASE_URL, config.COHORT_ENCRYPTION_KEY);
      const credential = await signCredential(
        issuer,
        openBadgeCredential(issuer, {
          certificateId: found.certificate.id,
          holderName: found.certificate.holderName,
          trackCode: found.certificate.trackCode,
          trackName: found.trackName,
          issuedAt: found.certificate.issuedAt,
          verifyUrl: found.verifyUrl,
          statusSeq: found.certificate.statusSeq,
        }),
      );
      res
        .set('Cache-Control', 'no-store')
        .set('Content-Disposition', `attachment; filename="certificate-${found.code}.json"`)
        .type('application/ld+json')
        .send(JSON.stringify(credential, null, 2));
    },
  );

  api.route(
    {
      method: 'get',
      path: '/api/issuer',
      summary: "The issuer's controller document: the Ed25519 key that signs Cohort's credentials",
      tags: ['Certificates'],
      responses: { 200: { description: 'A JSON-LD controller document', schema: z.looseObject({}) } },
    },
    [],
    async (_input, _req, res) => {
      const issuer = await cohortIssuer(config.PUBLIC_BASE_URL, config.COHORT_ENCRYPTION_KEY);
      res.json(issuer.profile);
    },
  );

  api.route(
    {
      method: 'get',
      path: '/api/credentials/status/:list',
      summary: "A Bitstring Status List of the issuer's credentials: a set bit is a revoked certificate",
      tags: ['Certificates'],
      params: statusListParams,
      responses: {
        200: {
          description: 'A signed BitstringStatusListCredential (W3C Bitstring Status List v1.0)',
          schema: z.looseObject({}),
          contentType: 'application/ld+json',
        },
        404: problem('No certificate is numbered into this list yet'),
      },
    },
    [],
    async ({ params }, _req, res) => {
      const issuer = await cohortIssuer(config.PUBLIC_BASE_URL, config.COHORT_ENCRYPTION_KEY);
      const unsigned = await buildStatusList(knex, config.PUBLIC_BASE_URL, issuer.id, params.list);
      if (!unsigned) throw errors.notFound('Status list');
      const credential = await signCredential(issuer, unsigned);
      // Verifiers may keep it a minute; a revocation shows in every list served after it.
      res.set('Cache-Control', 'public, max-age=60').type('application/ld+json').send(JSON.stringify(credential));
    },
  );

  api.route(
    {
      method: 'post',
      path: '/api/credentials/verify',
      summary: "Verify a Cohort credential: its proof against the issuer's key, and whether it was revoked",
      tags: ['Certificates'],
      body: z.object({ credential: z.looseObject({}) }),
      responses: {
        200: {
          description: 'verified: the proof holds; revoked: the certificate was revoked since; valid: both say yes',
          schema: z.object({
            verified: z.boolean(),
            revoked: z.boolean(),
            valid: z.boolean(),
            errors: z.array(z.string()),
          }),
        },
      },
    },
    [],
    async ({ body }, _req, res) => {
      const issuer = await cohortIssuer(config.PUBLIC_BASE_URL, config.COHORT_ENCRYPTION_KEY);
      const checked = await verifyOpenBadge(issuer, body.credential);
      // The credential's id is the certificate's verification page: its code says whether it still stands.
      const id = typeof body.credential.id === 'string' ? body.credential.id : '';
      const code = id.startsWith(`${config.PUBLIC_BASE_URL.replace(/\/+$/, '')}/verify/`) ? id.split('/').pop()! : '';
      const found = checked.verified ? await findCertificateByCode(knex, code, config.PUBLIC_BASE_URL) : undefined;
      // The facts the status list is built from: revoked, or gone.
      const revoked = Boolean(found?.certificate.revokedAt) || (checked.verified && !found);
      res.json({ verified: checked.verified, revoked, valid: checked.verified && !revoked, errors: checked.errors });
    },
  );

  api.route(
    {
      method: 'get',
      path: '/verify/:verificationCode',
      summary: 'The verification page a person reads (public)',
      tags: ['Certificates'],
      params: codeParams,
      responses: {
        200: { description: 'An HTML page: holder, track, date, status', schema: z.string(), contentType: 'text/html' },
        404: { description: 'An HTML page: no such certificate', schema: z.string(), contentType: 'text/html' },
      },
    },
    [],
    async ({ params }, _req, res) => {
      const found = await findCertificateByCode(knex, params.verificationCode, config.PUBLIC_BASE_URL);
      const nonce = randomBytes(16).toString('base64');
      const html = await renderVerifyPage(
        found && {
          holderName: found.certificate.holderName,
          trackCode: found.certificate.trackCode,
          trackName: found.trackName,
          issuedAt: found.certificate.issuedAt,
          code: found.code,
          verifyUrl: found.verifyUrl,
          pdfUrl: found.pdfUrl,
          revokedAt: found.certificate.revokedAt,
          revocationReason: found.certificate.revocationReason,
          linkedInUrl: linkedInAddToProfileUrl({
            certificationName: `${found.trackName} (Cohort Bootcamp)`,
            issuedAt: found.certificate.issuedAt,
            code: found.code,
            verifyUrl: found.verifyUrl,
          }),
        },
        nonce,
      );
      res
        .status(found ? 200 : 404)
        .set('Content-Security-Policy', verifyPageCsp(nonce))
        .set('Cache-Control', 'no-store')
        .type('html')
        .send(html);
    },
  );

  api.route(
    {
      method: 'post',
      path: '/api/admin/certificates/:verificationCode/revoke',
      summary: 'Revoke a certificate, with a reason shown on its verification',
      tags: ['Certificates'],
      secured: true,
      params: codeParams,
      body: z.object({ reason: freeText(500, { trim: true, multiline: false }).min(1) }),
      responses: {
        200: { description: 'Revoked (a repeat answers the first revocation)', schema: verificationView },
        404: problem('No certificate has this code'),
      },
    },
    [
      requireUser({ roles: ['admin'] }),
      audited(knex, 'certificate.revoke', { resource: (req) => `certificate:${String(req.params.verificationCode)}` }),
    ],
    async ({ params, body }, req, res) => {
      const { user } = currentAuth(req);
      const found = await findCertificateByCode(knex, params.verificationCode, config.PUBLIC_BASE_URL);
      if (!found) throw errors.notFound('Certificate');
      const revoked = await certificatesRepo.revoke(knex, found.certificate.id, body.reason, user.id);
      res.json(toVerification({ ...found, certificate: revoked }));
    },
  );

  return { router: api.router };
};
