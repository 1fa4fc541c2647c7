import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { expect, it } from 'vitest';
import { BlobNotFoundError, type BlobStore } from '../../lib/adapters/blob-store/types';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

/**
 * The behaviour every BlobStore adapter shares; each adapter's test calls this with a
 * way to make a fresh store and a way to fetch what downloadUrl() answers.
 */
export function blobStoreContract(
  store: () => BlobStore,
  download: (url: string) => Promise<{ status: number; body: Buffer; headers: Headers }>,
): void {
  const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');
  const unique = () => `contract/${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;

  it('puts a buffer and answers its SHA-256 and size; get answers the same bytes', async () => {
    const key = `${unique()}/a.pdf`;
    const data = Buffer.from('%PDF-1.7 pretend certificate\n');
    const written = await store().put(key, data, { contentType: 'application/pdf' });
    expect(written).toEqual({ sha256: sha(data), size: data.length });
    expect(await readAll(await store().get(key))).toEqual(data);
    expect(await store().exists(key)).toBe(true);
  });

  it('hashes a stream while writing it (several chunks, over a megabyte)', async () => {
    const key = `${unique()}.zip`;
    const chunks = Array.from({ length: 20 }, (_, i) => Buffer.alloc(64 * 1024, i));
    const all = Buffer.concat(chunks);
    const written = await store().put(key, Readable.from(chunks), { contentType: 'application/zip' });
    expect(written).toEqual({ sha256: sha(all), size: all.length });
    expect(sha(await readAll(await store().get(key)))).toBe(sha(all));
  });

  it('a retried put with the same key and content is harmless; new content replaces the old', async () => {
    const key = `${unique()}.bin`;
    const first = await store().put(key, Buffer.from('one'), { contentType: 'application/octet-stream' });
    expect(await store().put(key, Buffer.from('one'), { contentType: 'application/octet-stream' })).toEqual(first);
    await store().put(key, Buffer.from('two'), { contentType: 'application/octet-stream' });
    expect((await readAll(await store().get(key))).toString()).toBe('two');
  });

  it('get of a missing key rejects with BlobNotFoundError; exists answers false', async () => {
    const key = `${unique()}/missing.pdf`;
    await expect(store().get(key)).rejects.toBeInstanceOf(BlobNotFoundError);
    expect(await store().exists(key)).toBe(false);
  });

  it('delete removes the blob and is idempotent', async () => {
    const key = `${unique()}.txt`;
    await store().put(key, Buffer.from('bye'), { contentType: 'text/plain' });
    await store().delete(key);
    expect(await store().exists(key)).toBe(false);
    await store().delete(key);
    await expect(store().get(key)).rejects.toBeInstanceOf(BlobNotFoundError);
  });

  it('downloadUrl answers a link that serves the bytes until it expires', async () => {
    const key = `${unique()}/cert.pdf`;
    const data = Buffer.from('%PDF-1.7 downloadable');
    await store().put(key, data, { contentType: 'application/pdf' });
    const before = Date.now();
    const { url, expiresAt } = await store().downloadUrl(key, { ttlMs: 60_000, fileName: 'certificate.pdf' });
    expect(expiresAt.getTime()).toBeGreaterThanOrEqual(before + 59_000);
    expect(expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 61_000);
    const answer = await download(url);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual(data);
    expect(answer.headers.get('content-type')).toMatch(/application\/pdf/);
    expect(answer.headers.get('content-disposition') ?? '').toContain('certificate.pdf');
  });

  it('a tampered download link is refused', async () => {
    const key = `${unique()}/cert.pdf`;
    await store().put(key, Buffer.from('secret'), { contentType: 'application/pdf' });
    const { url } = await store().downloadUrl(key, { ttlMs: 60_000 });
    const other = url.replace(/\/cert\.pdf\?/, '/other.pdf?');
    expect(other).not.toBe(url);
    const answer = await download(other);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.body.toString()).not.toContain('secret');
  });

  it('refuses keys that would escape the store', async () => {
    for (const key of ['../etc/passwd', '/abs', 'a/../../b', '.hidden', '']) {
      await expect(store().put(key, Buffer.from('x'), { contentType: 'text/plain' })).rejects.toThrow();
    }
  });
}
