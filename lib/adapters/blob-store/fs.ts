import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BlobNotFoundError, type BlobStore } from './types';
import { createLinkSigner, isSafeBlobKey } from './signed-links';

export interface FsBlobStoreOptions {
  /** The store's root, `<DATA_DIR>/blobs`. */
  root: string;
  /** Links are `${publicBaseUrl}/api/blobs/<key>?expires=…&sig=…`. */
  publicBaseUrl: string;
  encryptionKey: string;
}

export interface FsBlobMeta {
  contentType: string;
  sha256: string;
  size: number;
}

export interface FsBlobStore extends BlobStore {
  readonly name: 'fs';
  /** What was recorded at put(): the content type the download route answers with. */
  meta(key: string): Promise<FsBlobMeta>;
}

function checkKey(key: string): void {
  if (!isSafeBlobKey(key)) throw new Error('Invalid blob key');
}

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException)?.code === 'ENOENT';

/**
 * Blobs as files under `root`: written to a temporary file in `.tmp/` (hashed while
 * streaming) and renamed into place, so a reader never sees half a blob; the content
 * type and digest sit beside it in `.meta/<key>.json`. Keys never start with a dot, so
 * those folders cannot collide with a blob.
 */
export function createFsBlobStore(options: FsBlobStoreOptions): FsBlobStore {
  const signer = createLinkSigner(options.encryptionKey);
  const base = options.publicBaseUrl.replace(/\/+$/, '');
  const blobPath = (key: string) => join(options.root, ...key.split('/'));
  const metaPath = (key: string) => join(options.root, '.meta', ...`${key}.json`.split('/'));
  const tmpDir = join(options.root, '.tmp');

  async function writeAtomically(
    target: string,
    source: Readable,
    hash?: ReturnType<typeof createHash>,
  ): Promise<number> {
    await mkdir(tmpDir, { recursive: true });
    await mkdir(dirname(target), { recursive: true });
    const tmp = join(tmpDir, `${randomUUID()}.part`);
    let size = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        hash?.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(source, counter, createWriteStream(tmp, { flags: 'wx' }));
      await rename(tmp, target);
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
    return size;
  }

  return {
    name: 'fs',
    async put(key, body, { contentType }) {
      checkKey(key);
      const hash = createHash('sha256');
      const source = Buffer.isBuffer(body) ? Readable.from([body]) : body;
      const size = await writeAtomically(blobPath(key), source, hash);
      const sha256 = hash.digest('hex');
      const meta: FsBlobMeta = { contentType, sha256, size };
      await writeAtomically(metaPath(key), Readable.from([Buffer.from(JSON.stringify(meta))]));
      return { sha256, size };
    },
    async get(key) {
      checkKey(key);
      try {
        const info = await stat(blobPath(key));
        if (!info.isFile()) throw new BlobNotFoundError(key);
      } catch (error) {
        if (isMissing(error)) throw new BlobNotFoundError(key);
        throw error;
      }
      return createReadStream(blobPath(key));
    },
    async exists(key) {
      checkKey(key);
      try {
        return (await stat(blobPath(key))).isFile();
      } catch (error) {
        if (isMissing(error)) return false;
        throw error;
      }
    },
    async delete(key) {
      checkKey(key);
      await rm(blobPath(key), { force: true });
      await rm(metaPath(key), { force: true });
    },
    async downloadUrl(key, { ttlMs, fileName }) {
      checkKey(key);
      const expiresAt = new Date(Date.now() + ttlMs);
      const query = signer.sign({ key, expires: expiresAt.getTime(), fileName });
      return { url: `${base}/api/blobs/${key}?${query}`, expiresAt };
    },
    async meta(key) {
      checkKey(key);
      try {
        return JSON.parse(await readFile(metaPath(key), 'utf8')) as FsBlobMeta;
      } catch (error) {
        if (isMissing(error)) throw new BlobNotFoundError(key);
        throw error;
      }
    },
  };
}
