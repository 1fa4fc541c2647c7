import type { Readable } from 'node:stream';

/**
 * Where certificate PDFs and data exports live: S3 (MinIO) in production, files under
 * `<DATA_DIR>/blobs` by default. Keys are ids-only paths (`certificates/<id>.pdf`,
 * `exports/<userId>/<exportId>.zip`), never names or addresses.
 */
export interface BlobStore {
  readonly name: 'fs' | 's3';
  /** Writes the blob (a retry with the same key and content is harmless); answers its SHA-256 and size. */
  put(
    key: string,
    body: Buffer | Readable,
    options: { contentType: string },
  ): Promise<{ sha256: string; size: number }>;
  /** The blob's bytes as a stream; rejects with BlobNotFoundError when there is none. */
  get(key: string): Promise<Readable>;
  exists(key: string): Promise<boolean>;
  /** Idempotent: deleting a missing blob succeeds. */
  delete(key: string): Promise<void>;
  /** A link a browser can download from until it expires: presigned for S3, a signed API link for files. */
  downloadUrl(key: string, options: { ttlMs: number; fileName?: string }): Promise<{ url: string; expiresAt: Date }>;
}

export class BlobNotFoundError extends Error {
  constructor(readonly key: string) {
    super('No blob with that key');
    this.name = 'BlobNotFoundError';
  }
}
