import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveDatabase, type ResolvedDatabase } from '../../scripts/lib/database';
import { freePort } from '../helpers/ports';

/** The embedded fallback of `npm start`: no DATABASE_URL and nothing on the local port. */
describe('resolveDatabase without a reachable PostgreSQL', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cohort-embedded-pg-'));
  // As root, PostgreSQL runs as its own OS user, which must reach the directory (mkdtemp makes it 0700).
  chmodSync(dataDir, 0o755);
  let db: ResolvedDatabase | undefined;
  const savedUrl = process.env.DATABASE_URL;

  afterAll(async () => {
    await db?.stop();
    if (savedUrl !== undefined) process.env.DATABASE_URL = savedUrl;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts a real embedded PostgreSQL under the data directory with a `cohort` database', async () => {
    delete process.env.DATABASE_URL;
    const [localPort, embeddedPort] = [await freePort(), await freePort()];
    db = await resolveDatabase({ dataDir, localPort, embeddedPort });
    expect(db.source).toBe('embedded');
    expect(new URL(db.url).port).toBe(String(embeddedPort));
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT current_database() AS name, version() AS version');
      expect(rows[0].name).toBe('cohort');
      expect(rows[0].version).toMatch(/^PostgreSQL \d+/);
    } finally {
      await client.end();
    }
  }, 120_000);

  it('refuses to start one when asked not to', async () => {
    delete process.env.DATABASE_URL;
    await expect(resolveDatabase({ startEmbedded: false, localPort: await freePort() })).rejects.toThrow(
      /No PostgreSQL reachable/,
    );
  });
});
