import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createEmailActivities, type SendEmailInput } from '../../activities/email';
import { hashToken } from '../../lib/auth/tokens';
import { createOutboxSender, createPostmarkSender, type EmailSender } from '../../lib/adapters/email/index';
import { startFakePostmark, type FakePostmark } from '../fakes/postmark';
import { expectProblem, uniqueEmail } from '../helpers/accounts';
import { linkToken, outboxDir, readOutboxMessage } from '../helpers/outbox';
import { startStack, type TestStack } from '../helpers/stack';
import { createTestUser, type TestUser } from '../helpers/users';

let stack: TestStack;
let admin: TestUser;
let postmark: FakePostmark;
beforeAll(async () => {
  stack = await startStack({ worker: false, env: { FRONTEND_URL: FRONTEND } });
  admin = await createTestUser(stack.knex, { role: 'admin' });
  postmark = await startFakePostmark();
});
afterAll(async () => {
  await postmark?.close();
  await stack?.close();
});

const FRONTEND = 'http://frontend.test/app';
const quiet = new DefaultLogger('ERROR');
const PASSWORD = 'a-fresh-Passw0rd-42';

/** The welcome email as the onboarding saga sends it to a user who must set a password. */
async function sendWelcome(
  userId: string,
  idempotencyKey: string,
  email: EmailSender = createOutboxSender(stack.knex, { dir: outboxDir(stack.config.DATA_DIR) }),
) {
  const { sendEmail } = createEmailActivities({ config: stack.config, knex: stack.knex, email });
  const input: SendEmailInput = {
    idempotencyKey,
    template: 'welcome',
    recipient: { userId },
    data: { trackName: 'Data Professional', mustSetPassword: true },
  };
  await new MockActivityEnvironment(undefined, { logger: quiet }).run(sendEmail, input);
}

/** An admin-created student (no password) and the welcome email the onboarding saga sends them. */
async function adminCreatedStudentWithWelcome(key = `onboarding:test:${randomUUID()}:welcome`) {
  const email = uniqueEmail();
  const created = await stack.http
    .as(admin.token)
    .post('/api/admin/users', { email, fullName: 'Grace Hopper', role: 'student' });
  expect(created.status).toBe(201);
  await sendWelcome(created.body.id, key);
  const token = linkFromOutbox(key);
  return { userId: created.body.id as string, email, token, key };
}

/**
 * The set-password link as the student receives it: from the outbox's .eml file, never
 * from the database, whose copy holds a placeholder instead.
 */
function linkFromOutbox(key: string): string {
  const delivered = readOutboxMessage(stack.config.DATA_DIR, key);
  const token = linkToken(delivered.text, 'set-password');
  expect(token).toBeDefined();
  expect(delivered.text).toContain(`${FRONTEND}/set-password#token=${token}`);
  expect(delivered.html).toContain(`href="${FRONTEND}/set-password#token&#x3D;${token}"`);
  return token!;
}

const setPassword = (body: unknown) => stack.http.post('/api/auth/set-password', body);
const tokenRows = (userId: string) => stack.knex('account_tokens').where({ userId });

describe('POST /api/auth/set-password', () => {
  it('sets the first password once with the emailed link, signs in, and stores only the token hash', async () => {
    const { userId, email, token, key } = await adminCreatedStudentWithWelcome();
    const [stored] = await tokenRows(userId);
    expect(stored).toMatchObject({ tokenHash: hashToken(token), purpose: 'set-password' });
    expect(JSON.stringify(await stack.knex('account_tokens').select('*'))).not.toContain(token);
    // The stored message keeps a placeholder where the link was: no working link at rest.
    const message = await stack.knex('email_messages').where({ idempotencyKey: key }).first();
    expect(message.linkPurpose).toBe('set-password');
    expect(message.textBody).toContain('[link removed: sent to the recipient only]');
    expect(`${message.textBody}${message.htmlBody}`).not.toContain(token);
    expect(stored.emailMessageId).toBe(message.id);
    expect((await stack.http.post('/api/auth/login', { email, password: PASSWORD })).status).toBe(401);

    const res = await setPassword({ token, password: PASSWORD });
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ id: userId, email });
    expect((await stack.http.as(res.body.token).get('/api/me')).status).toBe(200);
    expect(await stack.knex('users').where({ id: userId }).first()).toMatchObject({
      mustSetPassword: false,
      emailVerifiedAt: expect.any(Date),
    });
    expect((await stack.http.post('/api/auth/login', { email, password: PASSWORD })).status).toBe(200);
    const audit = await stack.knex('audit_logs').where({ action: 'auth.password_set', userId });
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit)).not.toContain(token);

    // Single use: the same link again (even with another password) changes nothing.
    const hash = (await stack.knex('users').where({ id: userId }).first()).passwordHash;
    expectProblem(await setPassword({ token, password: 'another-Passw0rd-99' }), 400, 'validation_failed');
    expect((await stack.knex('users').where({ id: userId }).first()).passwordHash).toBe(hash);
  });

  it('lets only one of two concurrent requests spend a token, and spends the user’s other links with it', async () => {
    const first = await adminCreatedStudentWithWelcome();
    const resendKey = `onboarding:test:${randomUUID()}:welcome`;
    await sendWelcome(first.userId, resendKey);
    const second = linkFromOutbox(resendKey);
    const answers = await Promise.all([
      setPassword({ token: first.token, password: PASSWORD }),
      setPassword({ token: first.token, password: `${PASSWORD}-x` }),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 400]);
    expectProblem(await setPassword({ token: second, password: PASSWORD }), 400, 'validation_failed');
  });

  it('mints one link per welcome email: a retried send reuses the stored message', async () => {
    const { userId, key } = await adminCreatedStudentWithWelcome();
    await sendWelcome(userId, key);
    expect(await tokenRows(userId)).toHaveLength(1);
    expect(await stack.knex('email_messages').where({ idempotencyKey: key })).toHaveLength(1);
  });

  it('revokes every other session of the user when a link is spent', async () => {
    const { userId, token } = await adminCreatedStudentWithWelcome();
    const first = await setPassword({ token, password: PASSWORD });
    expect(first.status).toBe(200);
    const resendKey = `onboarding:test:${randomUUID()}:welcome`;
    await sendWelcome(userId, resendKey);
    const second = await setPassword({ token: linkFromOutbox(resendKey), password: `${PASSWORD}-2` });
    expect(second.status).toBe(200);
    expectProblem(await stack.http.as(first.body.token).get('/api/me'), 401, 'unauthenticated');
    expect((await stack.http.as(second.body.token).get('/api/me')).status).toBe(200);
    expect(await stack.knex('sessions').where({ userId }).whereNull('revokedAt')).toHaveLength(1);
  });

  it('sends a fresh working link when a send is retried after a failed try; a try Postmark took is not sent again', async () => {
    const created = await stack.http
      .as(admin.token)
      .post('/api/admin/users', { email: uniqueEmail(), fullName: 'Grace Hopper', role: 'student' });
    const userId: string = created.body.id;
    const key = `onboarding:test:${randomUUID()}:welcome`;
    const sender = createPostmarkSender({ serverToken: postmark.token, apiBase: postmark.baseUrl, messageStream: 'x' });
    const delivered = () =>
      postmark.messages
        .filter((m) => m.Metadata?.cohort_key === key)
        .map((m) => linkToken(m.TextBody ?? '', 'set-password')!);

    // Postmark down on the first try: its link was minted but never delivered; the retry
    // delivers a fresh one and the first is revoked (one live link per message).
    postmark.failNext('server-error');
    await expect(sendWelcome(userId, key, sender)).rejects.toThrow();
    expect(await tokenRows(userId)).toHaveLength(1);
    const [mintedFirst] = await tokenRows(userId);
    await sendWelcome(userId, key, sender);
    const [link] = delivered();
    expect(delivered()).toHaveLength(1);
    expect(await tokenRows(userId)).toHaveLength(1);
    expect((await tokenRows(userId))[0].tokenHash).not.toBe(mintedFirst.tokenHash);

    // Postmark took the message but the worker died before recording it: the retry finds it
    // at Postmark (by its key in Metadata) and records it; nothing is sent twice, and the
    // delivered link is not revoked by a fresh one.
    await stack.knex('email_messages').where({ idempotencyKey: key }).update({ status: 'QUEUED' });
    const searches = postmark.searches;
    await sendWelcome(userId, key, sender);
    expect(postmark.searches).toBe(searches + 1);
    expect(delivered()).toEqual([link]);
    const row = await stack.knex('email_messages').where({ idempotencyKey: key }).first();
    expect(row).toMatchObject({ status: 'SENT', providerMessageId: postmark.messages.at(-1)!.MessageID, attempts: 3 });
    // One live link per message, stored hashed; the stored message has none.
    expect(await tokenRows(userId)).toHaveLength(1);
    expect(`${row.textBody}${row.htmlBody}`).not.toContain(link);
    expect((await setPassword({ token: link, password: PASSWORD })).status).toBe(200);
  });

  it('refuses an expired link, and a link of an erased user', async () => {
    const expired = await adminCreatedStudentWithWelcome();
    await stack
      .knex('account_tokens')
      .where({ userId: expired.userId })
      .update({ expiresAt: new Date(Date.now() - 1000) });
    expectProblem(await setPassword({ token: expired.token, password: PASSWORD }), 400, 'validation_failed');
    expect((await stack.knex('users').where({ id: expired.userId }).first()).passwordHash).toBeNull();

    const erased = await adminCreatedStudentWithWelcome();
    await stack.knex('users').where({ id: erased.userId }).update({ anonymized: true });
    expectProblem(await setPassword({ token: erased.token, password: PASSWORD }), 400, 'validation_failed');
    expect((await stack.knex('users').where({ id: erased.userId }).first()).passwordHash).toBeNull();
  });

  it('answers missing, malformed, oversized and hostile input with 400 problem+json, writing nothing', async () => {
    const { userId, token } = await adminCreatedStudentWithWelcome();
    const sessions = async () => Number((await stack.knex('sessions').count({ n: '*' }))[0]!.n);
    const before = { sessions: await sessions(), audit: (await stack.knex('audit_logs').count({ n: '*' }))[0]!.n };
    for (const body of [
      {},
      { token },
      { password: PASSWORD },
      { token, password: 'short' },
      { token: 42, password: PASSWORD },
      { token: 'x'.repeat(5000), password: PASSWORD },
      { token, password: 'p'.repeat(5000) },
      { token: "' OR 1=1 --", password: PASSWORD },
      { token: `${token}\u0000`, password: PASSWORD },
      { token, password: PASSWORD, userId },
      { token: randomUUID().replace(/-/g, ''), password: PASSWORD },
    ]) {
      const res = await setPassword(body);
      expect(res.status, JSON.stringify(body).slice(0, 60)).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body.code).toBe('validation_failed');
    }
    const malformed = await stack.http.request('POST', '/api/auth/set-password', '{"token":', {
      'content-type': 'application/json',
    });
    expectProblem(malformed, 400, 'validation_failed');
    expect((await tokenRows(userId))[0].usedAt).toBeNull();
    expect((await stack.knex('users').where({ id: userId }).first()).passwordHash).toBeNull();
    expect(await sessions()).toBe(before.sessions);
    expect((await stack.knex('audit_logs').count({ n: '*' }))[0]!.n).toBe(before.audit);
  });
});
