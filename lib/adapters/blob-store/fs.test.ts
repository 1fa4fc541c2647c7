import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobStoreContract } from '../../../test/helpers/blob-store-contract';
import { createFsBlobStore, type FsBlobStore } from './fs';
import { serveSignedBlob } from './serve';
import { createLinkSigner } from './signed-links';

const KEY = 'ab'.repeat(32);
let root: string;
let server: Server;
let store: FsBlobStore;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'cohort-blobs-'));
  const signer = createLinkSigner(KEY);
  // The same handler GET /api/blobs/* uses, on a bare HTTP server.
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const key = decodeURIComponent(url.pathname.replace(/^\/api\/blobs\//, ''));
    serveSignedBlob(store, signer, key, Object.fromEntries(url.searchParams)).then(
      (served) => {
        if (served.status === 200) {
          res.writeHead(200, served.headers);
          served.body.pipe(res);
        } else {
          res.writeHead(served.status, { 'Content-Type': 'application/problem+json' });
          res.end(JSON.stringify({ title: served.title, status: served.status, detail: served.detail }));
        }
      },
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  store = createFsBlobStore({ root, publicBaseUrl: `http://127.0.0.1:${port}/`, encryptionKey: KEY });
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  if (root) await rm(root, { recursive: true, force: true });
});

const download = async (url: string) => {
  const answer = await fetch(url);
  return { status: answer.status, body: Buffer.from(await answer.arrayBuffer()), headers: answer.headers };
};

describe('filesystem blob store', () => {
  blobStoreContract(() => store, download);

  it('keeps no temporary files after writes', async () => {
    await store.put('certificates/t.pdf', Buffer.from('x'), { contentType: 'application/pdf' });
    expect(await readdir(join(root, '.tmp'))).toEqual([]);
  });

  it('an expired link answers 403, a link for a deleted blob 404', async () => {
    await store.put('exports/u1/e1.zip', Buffer.from('zip'), { contentType: 'application/zip' });
    const signer = createLinkSigner(KEY);
    const expired = signer.sign({ key: 'exports/u1/e1.zip', expires: Date.now() - 1 });
    const base = (await store.downloadUrl('exports/u1/e1.zip', { ttlMs: 1000 })).url.split('/api/')[0];
    const stale = await download(`${base}/api/blobs/exports/u1/e1.zip?${expired}`);
    expect(stale.status).toBe(403);
    expect(JSON.parse(stale.body.toString()).title).toBe('Link expired');

    const { url } = await store.downloadUrl('exports/u1/e1.zip', { ttlMs: 60_000 });
    await store.delete('exports/u1/e1.zip');
    expect((await download(url)).status).toBe(404);
  });

  it('a link signed with another key is refused', async () => {
    await store.put('certificates/k.pdf', Buffer.from('k'), { contentType: 'application/pdf' });
    const foreign = createLinkSigner('cd'.repeat(32)).sign({ key: 'certificates/k.pdf', expires: Date.now() + 60_000 });
    const base = (await store.downloadUrl('certificates/k.pdf', { ttlMs: 1000 })).url.split('/api/')[0];
    expect((await download(`${base}/api/blobs/certificates/k.pdf?${foreign}`)).status).toBe(403);
  });
});
