import { join } from 'node:path';
import type { Config } from '../../config';
import { createFsBlobStore } from './fs';
import { createS3BlobStore } from './s3';
import type { BlobStore } from './types';

export * from './types';
export { createFsBlobStore, type FsBlobStore, type FsBlobMeta } from './fs';
export { createS3BlobStore, type S3BlobStoreOptions } from './s3';
export { serveSignedBlob, type ServedBlob } from './serve';
export { createLinkSigner, isSafeBlobKey, type LinkSigner, type LinkCheck } from './signed-links';

export type BlobStoreConfig = Pick<
  Config,
  'S3_BUCKET' | 'S3_ENDPOINT' | 'AWS_REGION' | 'DATA_DIR' | 'PUBLIC_BASE_URL' | 'COHORT_ENCRYPTION_KEY'
>;

/** S3 (or MinIO through S3_ENDPOINT) when S3_BUCKET is set, else files under `<DATA_DIR>/blobs`. */
export function createBlobStore(config: BlobStoreConfig): BlobStore {
  if (config.S3_BUCKET) {
    return createS3BlobStore({ bucket: config.S3_BUCKET, region: config.AWS_REGION, endpoint: config.S3_ENDPOINT });
  }
  return createFsBlobStore({
    root: join(config.DATA_DIR, 'blobs'),
    publicBaseUrl: config.PUBLIC_BASE_URL,
    encryptionKey: config.COHORT_ENCRYPTION_KEY,
  });
}
