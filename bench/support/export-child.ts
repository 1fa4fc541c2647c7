import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFsBlobStore } from '../../lib/adapters/blob-store/fs';
import { createKnex } from '../../lib/db/knex';
import { buildExportArchive } from '../../lib/privacy/build-export';

/**
 * One export in a process of its own (bench/export.ts spawns one per history size), so its
 * peak RSS is the export's alone: argv database URL, user id. Prints one JSON line.
 */
const [url, userId] = process.argv.slice(2);
const knex = createKnex(url!, { max: 2 });
const dir = mkdtempSync(join(tmpdir(), 'cohort-bench-export-'));
const blobs = createFsBlobStore({ root: dir, publicBaseUrl: 'http://localhost:3000', encryptionKey: '0'.repeat(64) });
const started = performance.now();
const { stream, manifest } = await buildExportArchive(knex, { userId: userId!, exportId: 'bench' });
const stored = await blobs.put(`exports/${userId}/bench.zip`, stream, { contentType: 'application/zip' });
const rows = Object.values((await manifest).files).reduce(
  (n, f) => n + Object.values(f.rows).reduce((a, b) => a + b, 0),
  0,
);
const ms = performance.now() - started;
process.stdout.write(`${JSON.stringify({ ms, bytes: stored.size, rows, maxRssKb: process.resourceUsage().maxRSS })}\n`);
await knex.destroy();
rmSync(dir, { recursive: true, force: true });
