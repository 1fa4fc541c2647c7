import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Router } from 'express';
import type { AppDeps } from '../deps';
import { createAccountsRouter } from './accounts';
import { createAdminEmailsRouter } from './admin-emails';
import { createAdminUsersRouter } from './admin-users';
import { createAdminWorkflowsRouter } from './admin-workflows';
import { createAuditLogsRouter } from './audit-logs';
import { createAuthRouter } from './auth';
import { createComplianceRouter } from './compliance';
import { createBlobsRouter } from './blobs';
import { createCertificatesRouter } from './certificates';
import { createCurriculumRouter } from './curriculum';
import { createEnrollmentsRouter } from './enrollments';
import { createExternalResourcesRouter } from './external-resources';
import { createMeRouter } from './me';
import { createOAuthRouter } from './oauth';
import { createPaymentsRouter } from './payments';
import { createPoliciesRouter } from './policies';
import { createProgressRouter } from './progress';
import { createStripeWebhookRouter } from './stripe-webhook';
import { createSubmissionsRouter } from './submissions';
import { createTemporalCodecRouter } from './temporal-codec';
import { createWorkspaceRouter } from './workspace';

export interface ResourceRouter {
  router: Router;
  /** Mounted before the JSON body parser (Stripe webhooks need the raw bytes). */
  rawBody?: boolean;
}

export type RouterFactory = (deps: AppDeps, registry: OpenAPIRegistry) => ResourceRouter;

/** Every resource router, one per area. */
export const RESOURCE_ROUTERS: RouterFactory[] = [
  createCurriculumRouter,
  createAuthRouter,
  createOAuthRouter,
  createMeRouter,
  createPoliciesRouter,
  createAdminUsersRouter,
  createAuditLogsRouter,
  createAdminEmailsRouter,
  createComplianceRouter,
  createAdminWorkflowsRouter,
  createTemporalCodecRouter,
  createPaymentsRouter,
  createStripeWebhookRouter,
  createEnrollmentsRouter,
  createProgressRouter,
  createSubmissionsRouter,
  createExternalResourcesRouter,
  createWorkspaceRouter,
  createAccountsRouter,
  createBlobsRouter,
  createCertificatesRouter,
];
