import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { DefaultLogger } from '@temporalio/worker';
import { createEmailActivities, type SendEmailInput, type SendEmailResult } from '../../activities/email';
import {
  createOutboxSender,
  createPostmarkSender,
  PermanentEmailError,
  type EmailSender,
} from '../../lib/adapters/email/index';
import { startFakePostmark, type FakePostmark } from '../fakes/postmark';
import { outboxDir, readOutboxMessage } from '../helpers/outbox';
import { startStack, type TestStack } from '../helpers/stack';
import { createTestUser, type TestUser } from '../helpers/users';

const quiet = new DefaultLogger('ERROR');
let stack: TestStack;
let postmark: FakePostmark;
let student: TestUser;
let admin: TestUser;

beforeAll(async () => {
  stack = await startStack();
  postmark = await startFakePostmark();
  student = await createTestUser(stack.knex, { fullName: 'Ada <b>Lovelace</b>' });
  admin = await createTestUser(stack.knex, { role: 'admin' });
});
afterAll(async () => {
  await postmark?.close();
  await stack?.close();
});
beforeEach(() => postmark.failAlways(undefined));

const outbox = (): EmailSender => createOutboxSender(stack.knex, { dir: outboxDir(stack.config.DATA_DIR) });
const postmarkSender = (): EmailSender =>
  createPostmarkSender({ serverToken: postmark.token, apiBase: postmark.baseUrl, messageStream: 'outbound' });
const activities = (email: EmailSender) => createEmailActivities({ config: stack.config, knex: stack.knex, email });
const run = (email: EmailSender, input: SendEmailInput): Promise<SendEmailResult> =>
  new MockActivityEnvironment(undefined, { logger: quiet }).run(activities(email).sendEmail, input);
const welcome = (key = `test:${randomUUID()}`): SendEmailInput => ({
  idempotencyKey: key,
  template: 'welcome',
  recipient: { userId: student.user.id },
  data: { trackName: 'Data Professional' },
});
const row = (key: string) => stack.knex('email_messages').where({ idempotencyKey: key }).first();

describe('Postmark adapter against a loopback Postmark', () => {
  const message = () => ({
    to: 'ada@example.test',
    from: 'Cohort <no-reply@cohort.local>',
    subject: 'Hi',
    html: '<p>Hi</p>',
    text: 'Hi',
    template: 'welcome',
    idempotencyKey: randomUUID(),
  });

  it('sends with the server token, a Tag per template and the message stream', async () => {
    const before = postmark.messages.length;
    const sender = createPostmarkSender({
      serverToken: postmark.token,
      apiBase: postmark.baseUrl,
      messageStream: 'broadcast-x',
    });
    const { providerMessageId } = await sender.send({ ...message(), messageStream: undefined });
    const received = postmark.messages.at(-1)!;
    expect(postmark.messages.length).toBe(before + 1);
    expect(received).toMatchObject({
      serverToken: postmark.token,
      To: 'ada@example.test',
      Subject: 'Hi',
      HtmlBody: '<p>Hi</p>',
      TextBody: 'Hi',
      Tag: 'welcome',
      MessageStream: 'broadcast-x',
      MessageID: providerMessageId,
    });
  });

  it('carries the idempotency key as Metadata, and finds the message by it through the Outbound Messages search', async () => {
    const sender = postmarkSender();
    const sent = message();
    const { providerMessageId } = await sender.send(sent);
    expect(postmark.messages.at(-1)!.Metadata).toEqual({ cohort_key: sent.idempotencyKey });
    await sender.send(message());
    expect(await sender.findSent!(sent.idempotencyKey)).toEqual({ providerMessageId });
    expect(await sender.findSent!(randomUUID())).toBeUndefined();
  });

  it.each([
    ['invalid-request', 300],
    ['inactive-recipient', 406],
  ] as const)('classifies 422 %s (ErrorCode %i) as permanent', async (failure, code) => {
    postmark.failNext(failure);
    const error = await postmarkSender()
      .send(message())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentEmailError);
    expect(error).toMatchObject({ providerCode: code, httpStatus: 422 });
    // Postmark names the inactive address; the error (logged, stored) does not.
    expect((error as Error).message).not.toMatch(/@/);
  });

  it.each(['rate-limited', 'server-error'] as const)('classifies %s as transient', async (failure) => {
    postmark.failNext(failure);
    const error = await postmarkSender()
      .send(message())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(PermanentEmailError);
  });

  it("refuses a wrong server token (transient: a configuration fault, retried and alerted, not recorded as the recipient's fault)", async () => {
    const sender = createPostmarkSender({ serverToken: 'wrong', apiBase: postmark.baseUrl, messageStream: 'outbound' });
    const error = await sender.send(message()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(PermanentEmailError);
  });
});

describe('sendEmail activity', () => {
  it('sends once when called twice with one idempotency key', async () => {
    const input = welcome();
    const before = postmark.messages.length;
    const first = await run(postmarkSender(), input);
    const second = await run(postmarkSender(), input);
    expect(first).toEqual({ emailMessageId: expect.any(String), status: 'SENT' });
    expect(second).toEqual(first);
    expect(postmark.messages.length).toBe(before + 1);
    const stored = await row(input.idempotencyKey);
    expect(stored).toMatchObject({
      status: 'SENT',
      provider: 'postmark',
      providerMessageId: postmark.messages.at(-1)!.MessageID,
      toAddress: student.user.email,
      template: 'welcome',
      attempts: 1,
    });
    expect(postmark.messages.at(-1)!.To).toBe(student.user.email);
  });

  it('sends once when attempts of one key run at once (a redelivered task): the others are retried and find it sent', async () => {
    const input = welcome();
    const before = postmark.messages.length;
    const real = postmarkSender();
    // A slow provider, so the attempts surely overlap.
    const slow: EmailSender = {
      ...real,
      send: async (message) => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        return real.send(message);
      },
    };
    const attempts = await Promise.allSettled([run(slow, input), run(slow, input), run(slow, input)]);
    const sent = attempts.filter((a) => a.status === 'fulfilled');
    expect(sent).toHaveLength(1);
    for (const a of attempts.filter((x) => x.status === 'rejected'))
      expect(String((a as PromiseRejectedResult).reason)).toMatch(/Another attempt is sending/);
    // Their retries (Temporal's) find it sent.
    const retried = await run(slow, input);
    expect(retried).toEqual((sent[0] as PromiseFulfilledResult<SendEmailResult>).value);
    expect(postmark.messages.length).toBe(before + 1);
    expect(await row(input.idempotencyKey)).toMatchObject({ status: 'SENT', attempts: 1, sendLeaseUntil: null });
  });

  it('escapes personal data in HTML and keeps the text part plain', async () => {
    const input = welcome();
    await run(postmarkSender(), input);
    const stored = await row(input.idempotencyKey);
    expect(stored.htmlBody).toContain('Ada &lt;b&gt;Lovelace&lt;/b&gt;');
    expect(stored.htmlBody).not.toContain('<b>Lovelace');
    expect(stored.textBody).toContain('Hello Ada <b>Lovelace</b>,');
    expect(stored.subject).toBe('Welcome to Cohort: Data Professional');
  });

  it('records a permanent Postmark failure and returns it without retrying', async () => {
    postmark.failAlways('inactive-recipient');
    const input = welcome();
    const requests = postmark.requests;
    const result = await run(postmarkSender(), input);
    expect(result.status).toBe('FAILED');
    expect(await row(input.idempotencyKey)).toMatchObject({ status: 'FAILED', error: expect.stringContaining('406') });
    // A repeat returns the recorded outcome; Postmark is not asked again.
    expect(await run(postmarkSender(), input)).toEqual(result);
    expect(postmark.requests).toBe(requests + 1);
  });

  it.each(['rate-limited', 'server-error'] as const)(
    'throws on %s so Temporal retries, then sends once',
    async (failure) => {
      postmark.failNext(failure);
      const input = welcome();
      const before = postmark.messages.length;
      await expect(run(postmarkSender(), input)).rejects.not.toBeInstanceOf(ApplicationFailure);
      expect(await row(input.idempotencyKey)).toMatchObject({ status: 'QUEUED', attempts: 1 });
      expect(await run(postmarkSender(), input)).toMatchObject({ status: 'SENT' });
      expect(postmark.messages.length).toBe(before + 1);
      expect(await row(input.idempotencyKey)).toMatchObject({ status: 'SENT', attempts: 2 });
    },
  );

  it('stores the message in the outbox by default, as an .eml file a developer opens, and nothing leaves', async () => {
    const input = welcome();
    const before = postmark.requests;
    const result = await run(outbox(), input);
    expect(result.status).toBe('STORED');
    const stored = await row(input.idempotencyKey);
    expect(stored).toMatchObject({
      status: 'STORED',
      provider: 'outbox',
      providerMessageId: `outbox-${result.emailMessageId}`,
    });
    const eml = readOutboxMessage(stack.config.DATA_DIR, input.idempotencyKey);
    expect(eml.headers).toMatchObject({
      to: student.user.email,
      subject: 'Welcome to Cohort: Data Professional',
      'mime-version': '1.0',
      'x-cohort-template': 'welcome',
    });
    expect(eml.headers['content-type']).toMatch(/^multipart\/alternative;/);
    expect(eml.text).toBe(stored.textBody);
    expect(eml.html).toBe(stored.htmlBody);
    expect(await run(outbox(), input)).toEqual(result);
    expect(
      await stack.knex('email_messages').where({ idempotencyKey: input.idempotencyKey }).count({ n: '*' }),
    ).toEqual([{ n: 1 }]);
    expect(postmark.requests).toBe(before);
  });

  it('mails every admin when no ADMIN_EMAIL is set', async () => {
    const input: SendEmailInput = {
      idempotencyKey: `test:${randomUUID()}`,
      template: 'admin-alert',
      recipient: { admins: true },
      data: { title: 'Refund issued', message: 'Enrollment failed after payment.' },
    };
    await run(outbox(), input);
    const stored = await row(input.idempotencyKey);
    expect(stored.toAddress.split(', ')).toContain(admin.user.email);
    expect(stored.userId).toBeNull();
  });

  it('fails for good on invalid template data or an unknown recipient, writing nothing', async () => {
    const bad = { ...welcome(), data: { trackName: '' } };
    await expect(run(outbox(), bad)).rejects.toMatchObject({
      type: 'InvalidEmailData',
      nonRetryable: true,
    });
    const ghost: SendEmailInput = { ...welcome(), recipient: { userId: randomUUID() } };
    await expect(run(outbox(), ghost)).rejects.toMatchObject({
      type: 'EmailRecipientNotFound',
      nonRetryable: true,
    });
    expect(await row(bad.idempotencyKey)).toBeUndefined();
    expect(await row(ghost.idempotencyKey)).toBeUndefined();
  });
});

describe('GET /api/admin/emails', () => {
  it('lists messages for admins, filtered by recipient and template', async () => {
    const input = welcome();
    await run(outbox(), input);
    const res = await stack.http
      .as(admin.token)
      .get(`/api/admin/emails?to=${encodeURIComponent(student.user.email.toUpperCase())}&template=welcome`);
    expect(res.status).toBe(200);
    expect(res.body.length).toBeGreaterThan(0);
    for (const message of res.body)
      expect(message).toMatchObject({ to: student.user.email, template: 'welcome', createdAt: expect.any(String) });
    expect(res.body.map((m: any) => m.status)).toContain('STORED');
    const none = await stack.http.as(admin.token).get('/api/admin/emails/?template=workspace-ready');
    expect(none.status).toBe(200);
    expect(none.body).toEqual([]);
  });

  it('is for admins only and rejects bad filters', async () => {
    expect((await stack.http.get('/api/admin/emails')).status).toBe(401);
    expect((await stack.http.as(student.token).get('/api/admin/emails')).status).toBe(403);
    for (const query of [
      'template=nope',
      `to=${'x'.repeat(400)}`,
      'limit=-1',
      "template=welcome'--",
      'to=ada%00@example.test',
      'to=ada%1B@example.test',
    ]) {
      const res = await stack.http.as(admin.token).get(`/api/admin/emails?${query}`);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
    }
    // LIKE wildcards are matched literally.
    const wild = await stack.http.as(admin.token).get('/api/admin/emails?to=%25');
    expect(wild.status).toBe(200);
    expect(wild.body).toEqual([]);
  });
});
