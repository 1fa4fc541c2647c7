import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { createKnex } from '../../lib/db/knex';
import { cohortDataConverter } from '../../lib/temporal-codec/index';
import { cohortSearchAttributes } from '../../lib/temporal/search-attributes';
import { taskQueues } from '../../lib/temporal/task-queues';
import { reachable } from '../../scripts/lib/database';
import { runScript, type RunningScript } from '../helpers/child-process';
import { adminUrl, databaseUrl } from '../helpers/pg-url';
import { freePort } from '../helpers/ports';

/**
 * `npm start` as a user runs it, on ports and a data directory of its own: a Temporal
 * dev server it starts, an empty database it migrates and seeds, the worker and the
 * API as child processes, and a clean stop on SIGTERM.
 */
const database = `cohort_t_${inject('runId')}_devstack_${randomBytes(4).toString('hex')}`;
let dataDir: string;
let ports: { api: number; temporal: number; ui: number; workerMetrics: number };
let stack: RunningScript;
const pingWorkflowId = `dev-stack-ping-${randomBytes(4).toString('hex')}`;

async function withTemporal<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address: `127.0.0.1:${ports.temporal}` });
  // The stack's worker encrypts payloads under the key it generated into DATA_DIR.
  const { COHORT_ENCRYPTION_KEY } = JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8'));
  const dataConverter = cohortDataConverter({ COHORT_ENCRYPTION_KEY, COHORT_PREVIOUS_ENCRYPTION_KEYS: [] });
  try {
    return await fn(new Client({ connection, dataConverter }));
  } finally {
    await connection.close();
  }
}

function startDevStack(): RunningScript {
  return runScript('scripts/dev-stack.ts', {
    ...process.env,
    PORT: String(ports.api),
    TEMPORAL_ADDRESS: `127.0.0.1:${ports.temporal}`,
    TEMPORAL_UI_PORT: String(ports.ui),
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl(database),
    LOG_LEVEL: 'warn',
    WORKER_METRICS_PORT: String(ports.workerMetrics),
    COHORT_ENCRYPTION_KEY: '',
    STRIPE_WEBHOOK_SECRET: '',
  });
}

beforeAll(async () => {
  const admin = createKnex(adminUrl(), { max: 1 });
  await admin.raw(`CREATE DATABASE ${database}`);
  await admin.destroy();
  dataDir = mkdtempSync(join(tmpdir(), 'cohort-dev-stack-'));
  ports = { api: await freePort(), temporal: await freePort(), ui: await freePort(), workerMetrics: await freePort() };
  stack = startDevStack();
  await stack.waitForOutput('Cohort is running', 180_000);
}, 200_000);

afterAll(async () => {
  if (stack && stack.process.exitCode === null) {
    stack.process.kill('SIGTERM');
    await stack.exited;
  }
  const admin = createKnex(adminUrl(), { max: 1 });
  await admin.raw(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.destroy();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start (scripts/dev-stack.ts)', () => {
  it('serves /readyz with the database and Temporal ok', async () => {
    const res = await fetch(`http://127.0.0.1:${ports.api}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ db: 'ok', temporal: 'ok' });
  });

  it('migrated and seeded the empty database', async () => {
    const res = await fetch(`http://127.0.0.1:${ports.api}/api/tracks`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { code: string }[]).map((t) => t.code)).toEqual(['DP', 'FSD']);
  });

  it('serves the Temporal UI and keeps Temporal state under DATA_DIR', async () => {
    const res = await fetch(`http://127.0.0.1:${ports.ui}/`);
    expect(res.status).toBe(200);
    expect(existsSync(join(dataDir, 'temporal.sqlite'))).toBe(true);
  });

  it('runs a workflow on the started worker, with the Cohort search attributes registered', async () => {
    const result = await withTemporal((client) =>
      client.workflow.execute('ping', {
        taskQueue: taskQueues().default,
        workflowId: pingWorkflowId,
        args: ['pong'],
        typedSearchAttributes: cohortSearchAttributes('ping', 'user-1', 'DP'),
      }),
    );
    expect(result).toBe('pong');
  });

  it('pays through its Stripe stand-in when no Stripe key is set: checkout, pay link, enrollment', async () => {
    const api = `http://127.0.0.1:${ports.api}`;
    const json = async (res: Response) => ({ status: res.status, body: (await res.json()) as any });
    const policies = (await json(await fetch(`${api}/api/policies/current`))).body;
    const signup = await json(
      await fetch(`${api}/api/auth/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          email: `dev-${randomBytes(4).toString('hex')}@example.com`,
          password: 'Dev-stack-pass-1',
          fullName: 'Dev Student',
          acceptPrivacyVersion: policies.privacy.version,
          acceptTermsVersion: policies.terms.version,
        }),
      }),
    );
    expect(signup.status).toBe(201);
    const auth = { authorization: `Bearer ${signup.body.token}`, 'content-type': 'application/json' };
    const checkout = await json(
      await fetch(`${api}/api/payments/checkout`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ track: 'FSD' }),
      }),
    );
    expect(checkout.status).toBe(201);
    expect(checkout.body.checkoutUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    expect((await fetch(checkout.body.checkoutUrl, { method: 'POST' })).ok).toBe(true);
    let enrollment: any;
    for (let i = 0; i < 100 && enrollment?.status !== 'ENROLLED'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      enrollment = (await json(await fetch(`${api}/api/enrollment`, { headers: auth }))).body;
    }
    expect(enrollment).toMatchObject({ track: 'FSD', status: 'ENROLLED', paymentVerified: true });
  });

  it('created the retention-daily Schedule from its worker', async () => {
    const described = await withTemporal((client) => client.schedule.getHandle('retention-daily').describe());
    expect(described.spec.timezone).toBe('UTC');
    expect(described.action).toMatchObject({ workflowType: 'retention', taskQueue: taskQueues().default });
  });

  it("exports the worker's Temporal SDK metrics on WORKER_METRICS_PORT", async () => {
    const res = await fetch(`http://127.0.0.1:${ports.workerMetrics}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/^temporal_\w+/m);
  });

  it('generated the local secrets once, into DATA_DIR', () => {
    const secrets = JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8'));
    expect(secrets.COHORT_ENCRYPTION_KEY).toMatch(/^[0-9a-f]{64}$/);
    expect(secrets.STRIPE_WEBHOOK_SECRET).toMatch(/^whsec_[0-9a-f]+$/);
  });

  it('prints the URLs', () => {
    expect(stack.output()).toContain(`http://localhost:${ports.api}/api/docs`);
    expect(stack.output()).toContain(`http://localhost:${ports.ui}`);
  });

  it('stops everything cleanly on SIGTERM', async () => {
    stack.process.kill('SIGTERM');
    const { code, signal } = await stack.exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(stack.output()).toContain('[dev-stack] stopped');
    expect(stack.output()).not.toMatch(/exited with code/);
    expect(await reachable('127.0.0.1', ports.api)).toBe(false);
    expect(await reachable('127.0.0.1', ports.temporal)).toBe(false);
  }, 60_000);

  it('starts again on the same data: same secrets, migrations already applied, Temporal state kept', async () => {
    const secretsBefore = readFileSync(join(dataDir, 'secrets.json'), 'utf8');
    stack = startDevStack();
    await stack.waitForOutput('Cohort is running', 180_000);
    expect(stack.output()).toContain('[dev-stack] temporal: started dev server');
    expect(readFileSync(join(dataDir, 'secrets.json'), 'utf8')).toBe(secretsBefore);
    const res = await fetch(`http://127.0.0.1:${ports.api}/readyz`);
    expect(await res.json()).toEqual({ db: 'ok', temporal: 'ok' });
    const described = await withTemporal((client) => client.workflow.getHandle(pingWorkflowId).describe());
    expect(described.status.name).toBe('COMPLETED');
    stack.process.kill('SIGTERM');
    expect((await stack.exited).code).toBe(0);
  }, 200_000);
});
