import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { isSafeBlobKey } from './signed-links';
import { BlobNotFoundError, type BlobStore } from './types';

export interface S3BlobStoreOptions {
  bucket: string;
  region: string;
  /** MinIO or another S3-compatible server; path-style addressing is used with it. */
  endpoint?: string;
  /** Tests pass static credentials; otherwise the SDK's default chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  client?: S3Client;
}

function checkKey(key: string): void {
  if (!isSafeBlobKey(key)) throw new Error('Invalid blob key');
}

const isNotFound = (error: unknown) =>
  error instanceof NoSuchKey ||
  error instanceof NotFound ||
  (error instanceof S3ServiceException && error.$metadata?.httpStatusCode === 404);

/** Presigned URLs are capped at seven days by SigV4. */
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

/**
 * Blobs as S3 objects. A stream is hashed as it is read and buffered, since PutObject
 * needs a known length and the digest must be computed anyway; certificates and exports
 * are small. The SHA-256 is stored as object metadata too.
 */
export function createS3BlobStore(options: S3BlobStoreOptions): BlobStore & { readonly client: S3Client } {
  const client =
    options.client ??
    new S3Client({
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: Boolean(options.endpoint),
      credentials: options.credentials,
    });
  const Bucket = options.bucket;

  async function collect(body: Buffer | Readable): Promise<{ data: Buffer; sha256: string }> {
    const hash = createHash('sha256');
    if (Buffer.isBuffer(body)) return { data: body, sha256: hash.update(body).digest('hex') };
    const chunks: Buffer[] = [];
    // Iterated, not piped: a source that fails (an export whose query died) fails the put too,
    // where `pipe` would leave it waiting forever.
    for await (const chunk of body) {
      hash.update(chunk as Buffer);
      chunks.push(chunk as Buffer);
    }
    return { data: Buffer.concat(chunks), sha256: hash.digest('hex') };
  }

  return {
    name: 's3',
    client,
    async put(key, body, { contentType }) {
      checkKey(key);
      const { data, sha256 } = await collect(body);
      await client.send(
        new PutObjectCommand({
          Bucket,
          Key: key,
          Body: data,
          ContentType: contentType,
          ContentLength: data.length,
          ChecksumSHA256: Buffer.from(sha256, 'hex').toString('base64'),
          Metadata: { sha256 },
        }),
      );
      return { sha256, size: data.length };
    },
    async get(key) {
      checkKey(key);
      try {
        const answer = await client.send(new GetObjectCommand({ Bucket, Key: key }));
        return answer.Body as Readable;
      } catch (error) {
        if (isNotFound(error)) throw new BlobNotFoundError(key);
        throw error;
      }
    },
    async exists(key) {
      checkKey(key);
      try {
        await client.send(new HeadObjectCommand({ Bucket, Key: key }));
        return true;
      } catch (error) {
        if (isNotFound(error)) return false;
        throw error;
      }
    },
    async delete(key) {
      checkKey(key);
      await client.send(new DeleteObjectCommand({ Bucket, Key: key }));
    },
    async downloadUrl(key, { ttlMs, fileName }) {
      checkKey(key);
      const expiresIn = Math.max(1, Math.min(MAX_PRESIGN_SECONDS, Math.floor(ttlMs / 1000)));
      const disposition = fileName
        ? `attachment; filename="${fileName.replace(/[^A-Za-z0-9._-]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(fileName)}`
        : undefined;
      const url = await getSignedUrl(
        client,
        new GetObjectCommand({ Bucket, Key: key, ResponseContentDisposition: disposition }),
        { expiresIn },
      );
      return { url, expiresAt: new Date(Date.now() + expiresIn * 1000) };
    },
  };
}
