import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { createApp } from '../../api/app';
import { createKnex, type Knex } from '../../lib/db/knex';
import { createLogger } from '../../lib/logger';
import { taskQueues } from '../../lib/temporal/task-queues';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { adminUrl } from '../helpers/pg-url';
import { freePort } from '../helpers/ports';
import { testConfig } from '../helpers/stack';

/** /readyz (and /healthz) against real peers that answer, and against ones that are gone or refuse. */
let db: TestDatabase;
let connection: Connection;
const servers: Server[] = [];
const knexes: Knex[] = [];

async function serve(knex: Knex, temporal: Client): Promise<string> {
  const app = createApp({
    config: testConfig(db),
    knex,
    temporal,
    taskQueues: taskQueues('ready-'),
    logger: createLogger('silent'),
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/readyz`;
}

const ready = async (url: string) => {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as unknown };
};

beforeAll(async () => {
  db = await createTestDatabase();
  connection = await Connection.connect({ address: inject('temporalAddress') });
});
afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
  await Promise.allSettled(knexes.map((k) => k.destroy()));
  await connection?.close();
  await db?.drop();
});

describe('/readyz', () => {
  it('answers 200 with both ok when the database and Temporal answer', async () => {
    expect(await ready(await serve(db.knex, new Client({ connection })))).toEqual({
      status: 200,
      body: { db: 'ok', temporal: 'ok' },
    });
  });

  it('answers 503 when Temporal refuses connections', async () => {
    const refusing = Connection.lazy({ address: `127.0.0.1:${await freePort()}` });
    expect(await ready(await serve(db.knex, new Client({ connection: refusing })))).toEqual({
      status: 503,
      body: { db: 'ok', temporal: 'unavailable' },
    });
  });

  it('answers 503 when its database has been dropped', async () => {
    const doomed = await createTestDatabase();
    knexes.push(doomed.knex);
    const url = await serve(doomed.knex, new Client({ connection }));
    expect((await ready(url)).status).toBe(200);
    const admin = createKnex(adminUrl(), { max: 1 });
    await admin.raw(`DROP DATABASE ${doomed.name} WITH (FORCE)`);
    await admin.destroy();
    expect(await ready(url)).toEqual({ status: 503, body: { db: 'unavailable', temporal: 'ok' } });
  });

  it('answers 503 with both unavailable when neither answers', async () => {
    const nowhere = createKnex(`postgres://postgres@127.0.0.1:${await freePort()}/nothing`);
    knexes.push(nowhere);
    const refusing = Connection.lazy({ address: `127.0.0.1:${await freePort()}` });
    const url = await serve(nowhere, new Client({ connection: refusing }));
    expect(await ready(url)).toEqual({ status: 503, body: { db: 'unavailable', temporal: 'unavailable' } });
    // Liveness stays up meanwhile: the process itself is fine.
    expect(await ready(url.replace('/readyz', '/healthz'))).toEqual({ status: 200, body: { status: 'ok' } });
  });
});
