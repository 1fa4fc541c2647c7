import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problemHandler } from '../../api/http/problem';
import { translateDbError } from '../../lib/db/errors';
import { createKnex } from '../../lib/db/knex';
import { createLogger } from '../../lib/logger';
import { freePort } from '../helpers/ports';
import { startRestartableTemporal, type RestartableTemporal } from '../helpers/temporal-server';

/**
 * A request whose Temporal server or database is gone for a moment answers 503 with
 * Retry-After (problem+json), not 500: the errors come from the real client libraries
 * talking to a stopped Temporal dev server and a closed PostgreSQL port.
 */
let temporal: RestartableTemporal;
let connection: Connection;
let server: Server;
let baseUrl: string;
let deadDatabaseUrl: string;

beforeAll(async () => {
  temporal = await startRestartableTemporal();
  connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection });
  deadDatabaseUrl = `postgres://postgres@127.0.0.1:${await freePort()}/nothing`;
  const app = express();
  app.post('/temporal', async (_req, res) => {
    // Deadline: the client otherwise keeps retrying an unavailable server for a long while.
    await connection.withDeadline(Date.now() + 3000, () =>
      client.workflow.start('ping', { taskQueue: 'unavailable-test', workflowId: `ping-${Date.now()}` }),
    );
    res.status(201).end();
  });
  app.get('/database', async (_req, res) => {
    const knex = createKnex(deadDatabaseUrl, { max: 1 });
    try {
      await knex.raw('select 1');
    } finally {
      await knex.destroy();
    }
    res.json({});
  });
  app.use(problemHandler(createLogger('silent')));
  server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await connection?.close();
  await temporal?.destroy();
});

async function expectUnavailable(res: Response) {
  expect(res.status).toBe(503);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  const body = (await res.json()) as { code: string; detail: string };
  expect(body.code).toBe('unavailable');
  // No internals (addresses, gRPC text) leak into the answer.
  expect(body.detail).not.toMatch(/127\.0\.0\.1|UNAVAILABLE|ECONNREFUSED/);
}

describe('a dependency gone for a moment', () => {
  it('the Temporal server stopped: 503 with Retry-After, and the same request succeeds once it is back', async () => {
    await temporal.stop();
    await expectUnavailable(await fetch(`${baseUrl}/temporal`, { method: 'POST' }));
    await temporal.start();
    let status = 0;
    for (let i = 0; i < 60 && status !== 201; i++) {
      status = (await fetch(`${baseUrl}/temporal`, { method: 'POST' })).status;
      if (status !== 201) await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    expect(status).toBe(201);
  }, 120_000);

  it('the database refusing connections: 503 with Retry-After', async () => {
    await expectUnavailable(await fetch(`${baseUrl}/database`));
  });

  it("node-postgres's other words for a lost connection, and Postgres's shutdown codes, are 503 too", () => {
    const lost = [
      new Error('Connection terminated unexpectedly'),
      // Knex's words when the connection dies inside a transaction: the statement, then pg's.
      new Error('ROLLBACK - Connection terminated unexpectedly'),
      new Error('Client has encountered a connection error and is not queryable'),
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
      Object.assign(new Error('the database system is starting up'), { code: '57P03' }),
      Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
      new Error('wrapped', { cause: new Error('Connection terminated') }),
    ];
    for (const error of lost) expect(translateDbError(error), error.message).toMatchObject({ status: 503 });
    // A message that merely mentions the words further on is not a lost connection: it passes through.
    const mentioning = new Error('insert into notes values ($1) - value "timeout expired" too long');
    expect(translateDbError(mentioning)).toBe(mentioning);
    const unique = Object.assign(new Error('duplicate key'), { code: '23505' });
    expect(translateDbError(unique)).toMatchObject({ status: 409 });
  });
});
