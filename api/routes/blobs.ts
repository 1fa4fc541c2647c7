import { Router } from 'express';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { createLinkSigner, serveSignedBlob, type FsBlobStore } from '../../lib/adapters/blob-store/index';
import { AppError } from '../../lib/errors';
import type { AppDeps } from '../deps';
import { sendProblem } from '../http/problem';
import { documentRoute, problem } from '../http/route';
import type { ResourceRouter } from './index';

/**
 * GET /api/blobs/<key>?expires=…&sig=…: the filesystem blob store's signed, expiring
 * download links (S3 answers its own presigned links, so nothing is served here then).
 * A bad or expired signature answers 403 before anything is read; a good link to a
 * deleted blob 404.
 */
export function createBlobsRouter(deps: AppDeps, registry: OpenAPIRegistry): ResourceRouter {
  const router = Router();
  const signer = createLinkSigner(deps.config.COHORT_ENCRYPTION_KEY);
  documentRoute(registry, {
    method: 'get',
    path: '/api/blobs/{key}',
    summary: 'Download a stored file through a signed, expiring link (the filesystem blob store)',
    tags: ['Files'],
    params: z.object({ key: z.string().describe('The blob key, e.g. certificates/<id>.pdf') }),
    query: z.object({ expires: z.string(), sig: z.string(), name: z.string().optional() }),
    responses: {
      200: { description: 'The file', schema: z.string(), contentType: 'application/octet-stream' },
      403: problem('The link is malformed, tampered with or expired'),
      404: problem('The link is good but the file is gone'),
    },
  });
  router.get('/api/blobs/*key', async (req, res) => {
    const store = deps.blobs;
    const segments = (req.params as { key?: string[] | string }).key;
    const key = Array.isArray(segments) ? segments.join('/') : String(segments ?? '');
    if (!store || store.name !== 'fs') {
      sendProblem(res, new AppError('not_found', 'No such file.'));
      return;
    }
    const served = await serveSignedBlob(store as FsBlobStore, signer, key, req.query as Record<string, unknown>);
    if (served.status !== 200) {
      sendProblem(
        res,
        served.status === 403 ? new AppError('forbidden', served.detail) : new AppError('not_found', served.detail),
      );
      return;
    }
    res.status(200).set(served.headers);
    served.body.on('error', (error) => res.destroy(error));
    served.body.pipe(res);
  });
  return { router };
}
