import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { PROJECT_ROOT } from '../../scripts/lib/tools';
import { Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import { createLogger, temporalLogger } from '../../lib/logger';
import { workflowIds } from '../../lib/temporal/ids';
import { accountDeletionStatusQuery } from '../../workflows/account-deletion';
import { onboardingStartOptions } from '../../api/workflows/onboarding';
import { createBlobStore } from '../../lib/adapters/blob-store/index';
import { signUpOverHttp } from '../helpers/accounts';
import { enrollStudent } from '../helpers/enrollment';
import { waitFor } from '../helpers/payments';
import { startStack, type TestStack } from '../helpers/stack';
import { createTestUser } from '../helpers/users';

/**
 * Account deletion end to end: a student with a full history (consents, sessions, audit
 * entries with an IP, enrollment, payment, submissions with a GitHub URL, an external
 * resource, emails, an export archive), deleted after a short cool-off. Afterwards their
 * email, name, IP and GitHub username appear nowhere: not in a pg_dump, not in any blob,
 * not in any workflow history of theirs, not in the captured logs. Payment rows remain.
 */
const lines: string[] = [];
const logger = createLogger('debug', { write: (chunk: string) => void lines.push(chunk) });
const run = promisify(execFile);

let stack: TestStack;
beforeAll(async () => {
  Runtime.install({
    logger: temporalLogger(logger.child({ process: 'worker' })),
    telemetryOptions: { logging: { forward: {}, filter: makeTelemetryFilterString({ core: 'INFO', other: 'INFO' }) } },
  });
  stack = await startStack({ logger, env: { LOG_LEVEL: 'debug', DELETION_COOL_OFF: '4s' } });
}, 120_000);
afterAll(async () => {
  // RECORD_HISTORIES=1: this file's accountDeletion and dataExport runs become test/histories/ (replayed in CI).
  if (process.env.RECORD_HISTORIES && stack) await recordHistories(['accountDeletion', 'dataExport']);
  await stack?.close();
});

async function recordHistories(types: string[]) {
  for (const type of types) {
    let n = 0;
    let next = 0;
    const query = `WorkflowType = '${type}' AND TaskQueue = '${stack.taskQueues.default}'`;
    for await (const wf of stack.client.workflow.list({ query })) {
      const json = historyToJSON(await stack.decodedHistory(wf.workflowId, wf.runId));
      // The next free <type>-N.json: recorded files are never overwritten.
      let file: string;
      do file = join(PROJECT_ROOT, 'test', 'histories', `${type}-${++next}.json`);
      while (existsSync(file));
      await writeFile(file, json);
      if (++n === 2) break;
    }
  }
}

interface Person {
  email: string;
  fullName: string;
  ip: string;
  github: string;
}
const person = (label: string): Person => {
  const tag = randomBytes(4).toString('hex');
  return {
    email: `${label}.${tag}@example.test`,
    fullName: `Quirinus ${label} Zed-${tag}`,
    ip: `198.51.100.${Math.floor(Math.random() * 200) + 20}`,
    github: `qz-${label}-${tag}`,
  };
};

/** A student with a whole history, most of it written through the API. */
async function studentWithHistory(who: Person) {
  const signed = await signUpOverHttp(stack.http, { email: who.email, fullName: who.fullName });
  const userId = signed.user.id as string;
  const trainer = await createTestUser(stack.knex, { role: 'trainer' });
  const { enrollmentId, firstProjectId } = await enrollStudent(stack.knex, {
    userId,
    trainerUserId: trainer.user.id,
    track: 'FSD',
  });
  const knex = stack.knex;
  await knex('payments').insert({
    userId,
    enrollmentId,
    trackCode: 'FSD',
    stripeCheckoutSessionId: `cs_${randomUUID()}`,
    stripePaymentIntentId: `pi_${randomUUID()}`,
    amountCents: 50000,
    currency: 'usd',
    status: 'PAID',
    paidAt: new Date(),
  });
  // The network address the way requests record it.
  await knex('auditLogs').insert({
    userId,
    actorId: userId,
    action: 'auth.login',
    outcome: 'success',
    ipAddress: who.ip,
    details: JSON.stringify({ via: who.ip }),
  });
  await knex('sessions')
    .where({ userId })
    .update({ ipAddress: who.ip, userAgent: `Agent of ${who.fullName}` });
  await knex('userConsents').where({ userId }).update({ ipAddress: who.ip });
  const as = stack.http.as(signed.token);
  expect((await as.post(`/api/projects/${firstProjectId}/start`)).status).toBe(200);
  const deliverable = await knex('deliverables')
    .join('steps', 'steps.id', 'deliverables.stepId')
    .where('steps.projectId', firstProjectId)
    .first('deliverables.id');
  const submitted = await as.post(`/api/projects/${firstProjectId}/submissions`, {
    deliverableId: deliverable.id,
    repoUrl: `https://github.com/${who.github}/capstone`,
    notes: `Written by ${who.fullName}`,
  });
  expect(submitted.status, submitted.text).toBe(201);
  await knex('externalResources').insert({
    userId,
    projectId: firstProjectId,
    resourceType: 'NETLIFY',
    resourceUrl: `https://${who.github}.netlify.app`,
  });
  // An export archive in the blob store that holds the person's data.
  const blobs = createBlobStore(stack.config);
  const [exported] = await knex('dataExports')
    .insert({
      userId,
      workflowId: `data-export:${userId}:x`,
      status: 'READY',
      createdAt: new Date(Date.now() - 2 * 86_400_000),
      expiresAt: new Date(Date.now() + 5 * 86_400_000),
    })
    .returning('id');
  const blobKey = `exports/${userId}/${exported.id}.zip`;
  await blobs.put(blobKey, Buffer.from(JSON.stringify(who)), { contentType: 'application/zip' });
  await knex('dataExports').where({ id: exported.id }).update({ blobKey });
  // A certificate whose PDF (in the blob store) carries the holder's name.
  const certificateKey = `certificates/${userId}/FSD.pdf`;
  await knex('certificates').insert({
    userId,
    trackCode: 'FSD',
    verificationCode: randomBytes(8).toString('hex').toUpperCase(),
    holderName: who.fullName,
    pdfBlobKey: certificateKey,
  });
  await blobs.put(certificateKey, Buffer.from(`%PDF-1.7 certificate of ${who.fullName}`), {
    contentType: 'application/pdf',
  });
  return { userId, token: signed.token, password: signed.password, blobKey, certificateKey, enrollmentId };
}

async function pgDump(): Promise<string> {
  const { stdout } = await run('pg_dump', ['--data-only', stack.db.url], { maxBuffer: 256 * 1024 * 1024 });
  return stdout;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

async function historiesOf(userId: string): Promise<string> {
  const texts: string[] = [];
  for await (const wf of stack.client.workflow.list({ query: `CohortUserId = '${userId}'` })) {
    texts.push(await stack.historyText(wf.workflowId, wf.runId));
  }
  expect(texts.length).toBeGreaterThan(0);
  return texts.join('\n');
}

const traces = (who: Person) => [who.email, who.fullName, who.ip, who.github];

describe('account deletion', () => {
  it('erases the student everywhere after the cool-off, keeping payments under the anonymized id', async () => {
    const who = person('erased');
    const other = person('kept');
    const student = await studentWithHistory(who);
    const bystander = await studentWithHistory(other);

    // Workflows of theirs still running when the erasure starts: the onboarding's dispute
    // watch (120 days) and a real export, ready and waiting out its link's lifetime.
    const onboardingRun = await stack.client.workflow.start(
      'onboarding',
      onboardingStartOptions({ ...stack, temporal: stack.client }, student.userId, 'FSD'),
    );
    const exportStarted = await stack.http.as(student.token).get('/api/accounts/export-data');
    expect(exportStarted.status, exportStarted.text).toBe(202);
    await waitFor('the real export ready', async () => {
      const res = await stack.http.as(student.token).get('/api/accounts/export-data');
      return res.status === 200 ? res : undefined;
    });
    const exportRow = await stack
      .knex('dataExports')
      .where({ userId: student.userId, workflowId: exportStarted.body.workflowId })
      .first();
    expect(await createBlobStore(stack.config).exists(exportRow.blobKey)).toBe(true);

    const asked = await stack.http
      .as(student.token)
      .delete('/api/accounts/delete-account', { password: student.password });
    expect(asked.status, asked.text).toBe(202);
    expect(asked.body.workflowId).toBe(workflowIds.accountDeletion(student.userId));
    expect(Date.parse(asked.body.scheduledFor)).toBeGreaterThan(Date.now());
    const me = await stack.http.as(student.token).get('/api/me');
    expect(me.body).toMatchObject({ accountDeletionRequested: true, anonymized: false });
    const status = await stack.client.workflow.getHandle(asked.body.workflowId).query(accountDeletionStatusQuery);
    expect(status.message).toMatch(/^in cool-off until /);

    const result = await stack.client.workflow.getHandle(asked.body.workflowId).result();
    expect(result.outcome).toBe('erased');

    // The session no longer works.
    expect((await stack.http.as(student.token).get('/api/me')).status).toBe(401);

    // Their other workflows were stopped and ended cleanly; the export's archive went with it.
    expect((await onboardingRun.describe()).status.name).toBe('CANCELLED');
    const exportRun = stack.client.workflow.getHandle(exportStarted.body.workflowId);
    expect((await exportRun.describe()).status.name).toBe('CANCELLED');
    expect(await createBlobStore(stack.config).exists(exportRow.blobKey)).toBe(false);
    const running = [];
    for await (const wf of stack.client.workflow.list({
      query: `CohortUserId = '${student.userId}' AND ExecutionStatus = 'Running'`,
    }))
      running.push(wf.workflowId);
    expect(running).toEqual([]);

    const dump = await pgDump();
    for (const trace of traces(who)) expect(dump, trace).not.toContain(trace);
    // The bystander is untouched.
    for (const trace of traces(other)) expect(dump, trace).toContain(trace);

    const blobFiles = await filesUnder(join(stack.config.DATA_DIR, 'blobs'));
    for (const file of blobFiles) {
      const text = await readFile(file, 'utf8');
      for (const trace of traces(who)) expect(text, file).not.toContain(trace);
    }
    expect(await createBlobStore(stack.config).exists(student.blobKey)).toBe(false);
    expect(await createBlobStore(stack.config).exists(student.certificateKey)).toBe(false);
    expect(await createBlobStore(stack.config).exists(bystander.certificateKey)).toBe(true);
    expect(await createBlobStore(stack.config).exists(bystander.blobKey)).toBe(true);

    const histories = await historiesOf(student.userId);
    for (const trace of traces(who)) expect(histories, trace).not.toContain(trace);

    const logs = lines.join('');
    for (const trace of traces(who)) expect(logs, trace).not.toContain(trace);

    const payments = await stack.knex('payments').where({ userId: student.userId });
    expect(payments).toHaveLength(1);
    expect(await stack.knex('enrollments').where({ id: student.enrollmentId }).first()).toBeDefined();

    const request = await stack.knex('deletionRequests').where({ userId: student.userId }).first();
    expect(request).toMatchObject({ status: 'COMPLETED', capturedEmail: null });
    expect(request.report.tables.find((t: { table: string }) => t.table === 'submissions')).toMatchObject({
      action: 'delete',
      rows: 1,
    });
    expect(request.report.tables.find((t: { table: string }) => t.table === 'payments')).toMatchObject({
      action: 'keep',
      rows: 1,
    });
    expect(request.report.workflows).toEqual({ cancelled: 2, told: 0, byType: { onboarding: 1, dataExport: 1 } });

    // The final message went to the captured address; its log row kept no address.
    const finalRow = await waitFor('account-deleted row', async () =>
      stack.knex('emailMessages').where({ userId: student.userId, template: 'account-deleted' }).first(),
    );
    expect(finalRow).toMatchObject({ status: 'STORED', toAddress: '' });
    const outbox = await filesUnder(join(stack.config.DATA_DIR, 'outbox'));
    const delivered = await Promise.all(outbox.map((f) => readFile(f, 'utf8')));
    expect(delivered.some((m) => m.includes(who.email) && /Your account has been deleted/.test(m))).toBe(true);
  }, 120_000);

  it('cancelling during the cool-off restores the account; a second cancel is refused', async () => {
    const who = person('cancel');
    const student = await studentWithHistory(who);
    const as = stack.http.as(student.token);
    expect((await as.delete('/api/accounts/delete-account', { password: 'not the password' })).status).toBe(401);
    expect((await as.delete('/api/accounts/delete-account', {})).status).toBe(400);
    const asked = await as.delete('/api/accounts/delete-account', { password: student.password });
    expect(asked.status, asked.text).toBe(202);
    const cancelled = await as.post('/api/accounts/delete-account/cancel');
    expect(cancelled.status, cancelled.text).toBe(200);
    const result = await stack.client.workflow.getHandle(asked.body.workflowId).result();
    expect(result.outcome).toBe('cancelled');
    expect((await as.get('/api/me')).body).toMatchObject({
      email: who.email,
      fullName: who.fullName,
      accountDeletionRequested: false,
      accountDeletionRequestedAt: null,
      anonymized: false,
    });
    expect(await stack.knex('submissions').where({ userId: student.userId })).toHaveLength(1);
    expect((await as.post('/api/accounts/delete-account/cancel')).status).toBe(409);
    await waitFor('deletion-cancelled email', async () =>
      stack.knex('emailMessages').where({ userId: student.userId, template: 'deletion-cancelled' }).first(),
    );
  }, 60_000);

  it('a legal hold placed by an admin holds the erasure past the cool-off; lifting it resumes', async () => {
    const who = person('held');
    const student = await studentWithHistory(who);
    const admin = await createTestUser(stack.knex, { role: 'admin' });
    const asked = await stack.http
      .as(student.token)
      .delete('/api/accounts/delete-account', { password: student.password });
    expect(asked.status).toBe(202);
    const hold = await stack.http
      .as(admin.token)
      .post(`/api/admin/users/${student.userId}/legal-hold`, { reason: 'Pending litigation' });
    expect(hold.status, hold.text).toBe(200);
    const handle = stack.client.workflow.getHandle(asked.body.workflowId);
    await waitFor('legal-hold phase', async () =>
      (await handle.query(accountDeletionStatusQuery)).phase === 'legal-hold' ? true : undefined,
    );
    expect(await stack.knex('users').where({ id: student.userId }).first('anonymized')).toEqual({ anonymized: false });
    expect((await stack.http.as(admin.token).delete(`/api/admin/users/${student.userId}/legal-hold`)).status).toBe(200);
    expect((await handle.result()).outcome).toBe('erased');
    expect(await stack.knex('users').where({ id: student.userId }).first('anonymized')).toEqual({ anonymized: true });
  }, 60_000);

  it('an OAuth-only account confirms by a recent sign-in instead of a password', async () => {
    const fresh = await createTestUser(stack.knex, { email: `oauth.${randomBytes(4).toString('hex')}@example.test` });
    const stale = await createTestUser(stack.knex, { email: `oauth.${randomBytes(4).toString('hex')}@example.test` });
    for (const u of [fresh, stale]) {
      expect(u.user.passwordHash ?? null).toBeNull();
      await stack.knex('oauthAccounts').insert({ userId: u.user.id, provider: 'github', providerUserId: randomUUID() });
    }
    // Signed in 20 minutes ago: too long to confirm an irreversible step.
    await stack
      .knex('sessions')
      .where({ userId: stale.user.id })
      .update({ createdAt: new Date(Date.now() - 20 * 60_000) });
    const refused = await stack.http.as(stale.token).delete('/api/accounts/delete-account', {});
    expect(refused.status, refused.text).toBe(401);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body.detail).toMatch(/Sign in again/);
    expect(await stack.knex('deletionRequests').where({ userId: stale.user.id })).toHaveLength(0);
    expect(await stack.knex('users').where({ id: stale.user.id }).first('accountDeletionRequested')).toEqual({
      accountDeletionRequested: false,
    });

    const asked = await stack.http.as(fresh.token).delete('/api/accounts/delete-account', {});
    expect(asked.status, asked.text).toBe(202);
    expect((await stack.client.workflow.getHandle(asked.body.workflowId).result()).outcome).toBe('erased');
    expect(await stack.knex('oauthAccounts').where({ userId: fresh.user.id })).toHaveLength(0);
  }, 60_000);

  it('anonymization (by an admin) erases at once and keeps learning records under the pseudonym', async () => {
    const who = person('anon');
    const student = await studentWithHistory(who);
    const admin = await createTestUser(stack.knex, { role: 'admin' });
    const refused = await stack.http
      .as((await createTestUser(stack.knex)).token)
      .post('/api/accounts/anonymize', { userId: student.userId });
    expect(refused.status).toBe(403);
    const asked = await stack.http.as(admin.token).post('/api/accounts/anonymize', { userId: student.userId });
    expect(asked.status, asked.text).toBe(202);
    expect((await stack.client.workflow.getHandle(asked.body.workflowId).result()).outcome).toBe('erased');
    const submissions = await stack.knex('submissions').where({ userId: student.userId });
    expect(submissions).toHaveLength(1);
    expect(submissions[0]).toMatchObject({ repoUrl: null, notes: null, status: 'SUBMITTED' });
    expect(await stack.knex('studentProgress').where({ userId: student.userId })).not.toHaveLength(0);
    const dump = await pgDump();
    for (const trace of traces(who)) expect(dump, trace).not.toContain(trace);
  }, 60_000);

  it('GET /api/accounts/export-data: 202 while built, then 200 with a link; one export a day; the ready email sent', async () => {
    const who = person('export');
    const student = await studentWithHistory(who);
    const as = stack.http.as(student.token);
    const first = await as.get('/api/accounts/export-data');
    expect(first.status, first.text).toBe(202);
    expect(first.body.workflowId).toMatch(new RegExp(`^data-export:${student.userId}:`));
    const ready = await waitFor('export ready', async () => {
      const res = await as.get('/api/accounts/export-data');
      return res.status === 200 ? res : undefined;
    });
    expect(ready.body).toMatchObject({
      status: 'READY',
      downloadUrl: expect.stringMatching(/^http/),
      expiresAt: expect.any(String),
    });
    const rows = await stack.knex('dataExports').where({ userId: student.userId }).orderBy('createdAt');
    // The fixture's archive and the one made today; asking again made no third.
    expect(rows.filter((r: { status: string }) => r.status === 'READY')).toHaveLength(2);
    const made = rows.at(-1)!;
    expect(await createBlobStore(stack.config).exists(made.blobKey)).toBe(true);
    expect(made.counts.submissions).toBe(1);
    await waitFor('data-export-ready email', async () =>
      stack.knex('emailMessages').where({ userId: student.userId, template: 'data-export-ready' }).first(),
    );
    const histories = await historiesOf(student.userId);
    for (const trace of traces(who)) expect(histories, trace).not.toContain(trace);
    expect(histories).not.toContain('downloadUrl');
  }, 60_000);
});
