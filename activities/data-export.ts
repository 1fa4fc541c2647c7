import { Context } from '@temporalio/activity';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlobStore } from '../lib/adapters/blob-store/index';
import type { Config } from '../lib/config';
import type { Knex } from '../lib/db/knex';
import { buildExportArchive } from '../lib/privacy/build-export';
import {
  exportBlobKey,
  findExport,
  markExportArchiveDeleted,
  markExportExpired,
  markExportReady,
  openDataExport,
} from '../lib/privacy/data-exports';
import { sendEmailWithMintedLink, type EmailActivityDeps } from './email';

export interface DataExportActivityDeps extends EmailActivityDeps {
  config: Config;
  knex: Knex;
  blobs: BlobStore;
}

/** Data export steps: ids in, ids and dates out (the archive never passes through Temporal). */
export function createDataExportActivities(deps: DataExportActivityDeps) {
  return {
    /** Builds the archive as a stream straight into the blob store; a retry rewrites the same key. */
    async buildDataExport(input: { userId: string; exportId: string; workflowId: string }) {
      await openDataExport(deps.knex, { id: input.exportId, userId: input.userId, workflowId: input.workflowId });
      const existing = await findExport(deps.knex, input.exportId);
      if (existing?.status === 'READY' && existing.expiresAt) return { expiresAt: existing.expiresAt.toISOString() };
      const { stream, manifest } = await buildExportArchive(deps.knex, input);
      // Heartbeats as bytes flow, so a dead worker is noticed within the heartbeat timeout. A
      // counting transform, not a 'data' listener: that would start the flow before the store reads.
      let bytes = 0;
      const context = Context.current();
      const body = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          bytes += chunk.length;
          context.heartbeat({ bytes });
          callback(null, chunk);
        },
      });
      const key = exportBlobKey(input.userId, input.exportId);
      // A cancelled workflow (the account's erasure) stops the build at the next heartbeat.
      const { cancellationSignal } = context;
      let stored;
      try {
        [stored] = await Promise.all([
          deps.blobs.put(key, body, { contentType: 'application/zip' }),
          pipeline(stream, body, { signal: cancellationSignal }),
        ]);
      } catch (error) {
        if (cancellationSignal.aborted) await deps.blobs.delete(key);
        throw error;
      }
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

    /**
     * The signed link is minted at delivery, so it enters neither workflow history nor the
     * stored message (email_messages keeps a placeholder where it goes).
     */
    async sendExportReadyEmail(input: { userId: string; exportId: string; idempotencyKey: string }) {
      const row = await findExport(deps.knex, input.exportId);
      if (!row?.blobKey || !row.expiresAt) throw new Error(`export ${input.exportId} is not ready`);
      const { blobKey, expiresAt } = row;
      const mintLink = async () =>
        (
          await deps.blobs.downloadUrl(blobKey, {
            ttlMs: Math.max(1000, expiresAt.getTime() - Date.now()),
            fileName: 'cohort-data-export.zip',
          })
        ).url;
      return sendEmailWithMintedLink(
        deps,
        {
          idempotencyKey: input.idempotencyKey,
          template: 'data-export-ready',
          recipient: { userId: input.userId },
          data: { expiresAt: expiresAt.toISOString() },
        },
        mintLink,
      );
    },

    /**
     * At expiry (or cancellation, even mid-build) the archive goes: the record is marked
     * EXPIRED first, so no READY record ever points at a deleted archive (a delete whose
     * answer is lost in an S3 outage retries with the record already withdrawn), and
     * `deletedAt` is set once the blob is gone. Deleting a missing blob succeeds.
     */
    async deleteExportArchive(input: { exportId: string }): Promise<void> {
      const row = await findExport(deps.knex, input.exportId);
      if (!row) return;
      await markExportExpired(deps.knex, input.exportId);
      await deps.blobs.delete(row.blobKey ?? exportBlobKey(row.userId, row.id));
      await markExportArchiveDeleted(deps.knex, input.exportId);
    },
  };
}
