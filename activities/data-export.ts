import { Context } from '@temporalio/activity';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlobStore } from '../lib/adapters/blob-store/index';
import type { Config } from '../lib/config';
import type { Knex } from '../lib/db/knex';
import { buildExportArchive } from '../lib/privacy/build-export';
import {
  exportBlobKey,
  findExport,
  markExportExpired,
  markExportReady,
  openDataExport,
} from '../lib/privacy/data-exports';
import type { createEmailActivities } from './email';

export interface DataExportActivityDeps {
  config: Config;
  knex: Knex;
  blobs: BlobStore;
}

/** Data export steps: ids in, ids and dates out (the archive never passes through Temporal). */
export function createDataExportActivities(
  deps: DataExportActivityDeps,
  email: ReturnType<typeof createEmailActivities>,
) {
  return {
    /** Builds the archive as a stream straight into the blob store; a retry rewrites the same key. */
    async buildDataExport(input: { userId: string; exportId: string; workflowId: string }) {
      await openDataExport(deps.knex, { id: input.exportId, userId: input.userId, workflowId: input.workflowId });
      const existing = await findExport(deps.knex, input.exportId);
      if (existing?.status === 'READY' && existing.expiresAt) return { expiresAt: existing.expiresAt.toISOString() };
      const { stream, manifest } = await buildExportArchive(deps.knex, input);
      const body = new PassThrough();
      // Heartbeats as bytes flow, so a dead worker is noticed within the heartbeat timeout.
      let bytes = 0;
      body.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        Context.current().heartbeat({ bytes });
      });
      const key = exportBlobKey(input.userId, input.exportId);
      const [stored] = await Promise.all([
        deps.blobs.put(key, body, { contentType: 'application/zip' }),
        pipeline(stream, body),
      ]);
      const m = await manifest;
      const counts = Object.fromEntries(m.files.flatMap((f) => Object.entries(f.rows)));
      const expiresAt = new Date(Date.now() + deps.config.EXPORT_LINK_TTL);
      await markExportReady(deps.knex, input.exportId, {
        blobKey: key,
        sha256: stored.sha256,
        sizeBytes: stored.size,
        counts,
        expiresAt,
      });
      return { expiresAt: expiresAt.toISOString() };
    },

    /** The link is minted here, so it never enters workflow history. */
    async sendExportReadyEmail(input: { userId: string; exportId: string; idempotencyKey: string }) {
      const row = await findExport(deps.knex, input.exportId);
      if (!row?.blobKey || !row.expiresAt) throw new Error(`export ${input.exportId} is not ready`);
      const link = await deps.blobs.downloadUrl(row.blobKey, {
        ttlMs: Math.max(1000, row.expiresAt.getTime() - Date.now()),
        fileName: 'cohort-data-export.zip',
      });
      return email.sendEmail({
        idempotencyKey: input.idempotencyKey,
        template: 'data-export-ready',
        recipient: { userId: input.userId },
        data: { downloadUrl: link.url, expiresAt: row.expiresAt.toISOString() },
      });
    },

    /** At expiry the archive goes; deleting a missing blob succeeds. */
    async deleteExportArchive(input: { exportId: string }): Promise<void> {
      const row = await findExport(deps.knex, input.exportId);
      if (row?.blobKey) await deps.blobs.delete(row.blobKey);
      if (row) await markExportExpired(deps.knex, input.exportId);
    },
  };
}
