import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import yauzl from 'yauzl';
import { createDataExportActivities } from '../../activities/data-export';
import { createBlobStore } from '../../lib/adapters/blob-store/index';
import { createOutboxSender } from '../../lib/adapters/email/index';
import { createKnex } from '../../lib/db/knex';
import { buildExportArchive, type ExportManifest } from '../../lib/privacy/build-export';
import { exportBlobKey, findExport, markExportReady, openDataExport } from '../../lib/privacy/data-exports';
import { EXPORT_CATEGORIES } from '../../lib/privacy/registry';
import { workflowIds } from '../../lib/temporal/ids';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { enrollStudent } from '../helpers/enrollment';
import { testConfig } from '../helpers/stack';
import { createTestUser } from '../helpers/users';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

const streamToBuffer = async (stream: NodeJS.ReadableStream) => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

/** Every entry of a ZIP, by name. */
function unzip(buffer: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buffer, { lazyEntries: true }, (error, zip) => {
      if (error || !zip) return reject(error);
      const files = new Map<string, Buffer>();
      zip.on('entry', (entry: yauzl.Entry) =>
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e);
          streamToBuffer(stream).then((b) => {
            files.set(entry.fileName, b);
            zip.readEntry();
          }, reject);
        }),
      );
      zip.on('end', () => resolve(files));
      zip.readEntry();
    });
  });
}

async function studentWithData(name: string) {
  const student = await createTestUser(db.knex, { fullName: name, email: `${name.replace(/\W/g, '')}@example.test` });
  const trainer = await createTestUser(db.knex, { role: 'trainer' });
  const { firstProjectId } = await enrollStudent(db.knex, { userId: student.user.id, trainerUserId: trainer.user.id });
  await db.knex('auditLogs').insert({
    userId: student.user.id,
    action: 'auth.login',
    outcome: 'success',
    ipAddress: '198.51.100.9',
    details: '{}',
  });
  await db.knex('externalResources').insert({
    userId: student.user.id,
    projectId: firstProjectId,
    resourceType: 'OTHER',
    resourceUrl: `https://${name.replace(/\W/g, '')}.example.test`,
  });
  return student.user.id;
}

describe('the data export archive', () => {
  it('holds a README, one JSON per registry category and a manifest whose hashes match, and nothing of another user', async () => {
    const userId = await studentWithData('Ottilie Exportee');
    await studentWithData('Bystander Notme');
    const exportId = randomUUID();
    const { stream, manifest } = await buildExportArchive(db.knex, { userId, exportId });
    const files = await unzip(await streamToBuffer(stream));
    const m: ExportManifest = JSON.parse(files.get('manifest.json')!.toString());
    expect(m).toEqual(await manifest);
    expect(m).toMatchObject({ schemaVersion: 1, exportId, userId });
    expect([...files.keys()].sort()).toEqual(
      ['README.txt', 'manifest.json', ...EXPORT_CATEGORIES.map((c) => `${c}.json`)].sort(),
    );
    for (const file of m.files) {
      const bytes = files.get(file.name)!;
      expect(createHash('sha256').update(bytes).digest('hex'), file.name).toBe(file.sha256);
      expect(bytes.length).toBe(file.bytes);
      if (file.name.endsWith('.json')) JSON.parse(bytes.toString());
    }
    const all = [...files.values()].map((b) => b.toString()).join('\n');
    expect(all).toContain('Ottilie Exportee');
    expect(all).toContain('198.51.100.9');
    expect(all).toContain('OttilieExportee.example.test');
    expect(all).not.toContain('Bystander');
    expect(all).not.toContain('password_hash');
    const profile = JSON.parse(files.get('profile.json')!.toString());
    expect(profile.users).toHaveLength(1);
    expect(m.files.find((f) => f.name === 'progress.json')!.rows.student_progress).toBeGreaterThan(0);
    expect(files.get('README.txt')!.toString()).toContain('submissions.json');
  });

  it('fails its stream, not the process, when the database connection dies mid-export (a restart)', async () => {
    const userId = await studentWithData('Restart Survivor');
    const url = new URL(db.url);
    const applicationName = `export-cut-${randomUUID().slice(0, 8)}`;
    url.searchParams.set('application_name', applicationName);
    const knex = createKnex(url.toString(), { max: 1 });
    // The audit page query waits on this lock, so there is a moment to cut its connection.
    const lock = await db.knex.transaction();
    await lock.raw('LOCK TABLE audit_logs IN ACCESS EXCLUSIVE MODE');
    try {
      const { stream } = await buildExportArchive(knex, { userId, exportId: randomUUID() });
      const read = streamToBuffer(stream);
      read.catch(() => undefined);
      await vi.waitFor(
        async () => {
          const { rows } = await db.knex.raw(
            `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
              WHERE application_name = ? AND state = 'active' AND query ILIKE '%audit_logs%'`,
            [applicationName],
          );
          expect(rows).toHaveLength(1);
        },
        { timeout: 20_000, interval: 50 },
      );
      await expect(read).rejects.toThrow();
    } finally {
      await lock.rollback();
      await knex.destroy();
    }
  });
});

describe('deleting an export archive at expiry', () => {
  it('withdraws the record before the blob goes: a delete that fails keeps the record EXPIRED and out of retention until the retry', async () => {
    const { user } = await createTestUser(db.knex);
    const config = testConfig(db);
    const blobs = createBlobStore(config);
    const exportId = randomUUID();
    const key = exportBlobKey(user.id, exportId);
    await openDataExport(db.knex, {
      id: exportId,
      userId: user.id,
      workflowId: workflowIds.dataExport(user.id, exportId),
    });
    const stored = await blobs.put(key, Buffer.from('archive'), { contentType: 'application/zip' });
    await markExportReady(db.knex, exportId, {
      blobKey: key,
      sha256: stored.sha256,
      sizeBytes: stored.size,
      counts: {},
      expiresAt: new Date(),
    });

    // The store answers the delete with an error (an S3 outage): the record is withdrawn already.
    let deletes = 0;
    const failing = {
      ...blobs,
      delete: async () => {
        deletes += 1;
        throw new Error('socket hang up');
      },
    };
    const deps = { config, knex: db.knex, email: createOutboxSender(db.knex, { dir: config.DATA_DIR }) };
    const broken = createDataExportActivities({ ...deps, blobs: failing });
    await expect(broken.deleteExportArchive({ exportId })).rejects.toThrow('socket hang up');
    expect(deletes).toBe(1);
    expect(await findExport(db.knex, exportId)).toMatchObject({ status: 'EXPIRED', deletedAt: null });
    expect(await blobs.exists(key)).toBe(true);

    // The retry deletes the blob and only then marks the archive deleted; a second retry changes nothing.
    const working = createDataExportActivities({ ...deps, blobs });
    await working.deleteExportArchive({ exportId });
    const deleted = await findExport(db.knex, exportId);
    expect(deleted).toMatchObject({ status: 'EXPIRED', deletedAt: expect.any(Date) });
    expect(await blobs.exists(key)).toBe(false);
    await working.deleteExportArchive({ exportId });
    expect((await findExport(db.knex, exportId))?.deletedAt).toEqual(deleted?.deletedAt);
  });
});
