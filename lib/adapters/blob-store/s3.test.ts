import { Readable } from 'node:stream';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobStoreContract } from '../../../test/helpers/blob-store-contract';
import { startMotoServer, type MotoServer } from '../../../test/helpers/moto-server';
import { createBlobStore } from './index';
import { createS3BlobStore } from './s3';
import type { BlobStore } from './types';

let moto: MotoServer;
let store: BlobStore & { client: import('@aws-sdk/client-s3').S3Client };

beforeAll(async () => {
  moto = await startMotoServer();
  store = createS3BlobStore({
    bucket: 'cohort-test',
    region: 'us-east-1',
    endpoint: moto.url,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  await store.client.send(new CreateBucketCommand({ Bucket: 'cohort-test' }));
});

afterAll(async () => {
  store?.client.destroy();
  await moto?.stop();
});

const download = async (url: string) => {
  const answer = await fetch(url);
  return { status: answer.status, body: Buffer.from(await answer.arrayBuffer()), headers: answer.headers };
};

describe('S3 blob store (against moto server)', () => {
  blobStoreContract(() => store, download);

  it('presigns path-style links on the configured endpoint', async () => {
    await store.put('certificates/p.pdf', Buffer.from('p'), { contentType: 'application/pdf' });
    const { url } = await store.downloadUrl('certificates/p.pdf', { ttlMs: 60_000 });
    expect(url.startsWith(`${moto.url}/cohort-test/certificates/p.pdf?`)).toBe(true);
    expect(url).toContain('X-Amz-Signature=');
  });

  it('fails a put whose source stream fails (an export whose query died), and stores nothing', async () => {
    const failing = Readable.from(
      (async function* () {
        yield Buffer.from('part of an archive');
        throw new Error('connection terminated');
      })(),
    );
    await expect(store.put('exports/broken.zip', failing, { contentType: 'application/zip' })).rejects.toThrow(
      'connection terminated',
    );
    await expect(store.exists('exports/broken.zip')).resolves.toBe(false);
  });

  it('createBlobStore picks S3 when S3_BUCKET is set, the filesystem otherwise', () => {
    const common = {
      AWS_REGION: 'us-east-1',
      DATA_DIR: '.data',
      PUBLIC_BASE_URL: 'http://localhost:3000',
      COHORT_ENCRYPTION_KEY: 'ab'.repeat(32),
      S3_ENDPOINT: moto.url,
    };
    expect(createBlobStore({ ...common, S3_BUCKET: 'b' }).name).toBe('s3');
    expect(createBlobStore({ ...common, S3_BUCKET: undefined }).name).toBe('fs');
  });
});
