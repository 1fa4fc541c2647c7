import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowNotFoundError } from '@temporalio/client';
import { FORGOT_PASSWORD_ANSWER_MS } from '../../api/routes/auth';
import { PASSWORD_RESET_WINDOW_MS } from '../../api/workflows/account-email';
import { hashToken } from '../../lib/auth/tokens';
import { CohortKind, CohortUserId } from '../../lib/temporal/search-attributes';
import { countRows, expectProblem, signUpOverHttp, uniqueEmail, waitForAudit } from '../helpers/accounts';
import { expectHostileInputRefused } from '../helpers/hostile-input';
import { linkToken, listOutbox, outboxMessagesTo, waitForOutboxMessage } from '../helpers/outbox';
import { waitFor } from '../helpers/payments';
import { startStack, type TestStack } from '../helpers/stack';

const FRONTEND = 'http://frontend.test/app';
const NEW_PASSWORD = 'a brand new passphrase';
let stack: TestStack;

beforeAll(async () => {
  stack = await startStack({ env: { FRONTEND_URL: FRONTEND } });
});
afterAll(async () => {
  await stack?.close();
});

const verifyEmail = (token: unknown) => stack.http.post('/api/auth/verify-email', { token });
const forgotPassword = (email: unknown) => stack.http.post('/api/auth/forgot-password', { email });
const me = (token: string) => stack.http.as(token).get('/api/me');

/** The link of the one message of `template` to `email`, read from the dev outbox's .eml file. */
async function linkSentTo(email: string, template: 'verify-email' | 'password-reset') {
  const message = await waitForOutboxMessage(stack.config.DATA_DIR, email, template);
  const page = template === 'verify-email' ? 'verify-email' : 'reset-password';
  const token = linkToken(message.text, page);
  expect(token, message.text).toBeDefined();
  expect(message.text).toContain(`${FRONTEND}/${page}#token=${token}`);
  expect(message.html).toContain(`href="${FRONTEND}/${page}#token&#x3D;${token}"`);
  return token!;
}

describe('verify-email', () => {
  it('sign-up sends verify-email through the account-email workflow; the link verifies the address once', async () => {
    const student = await signUpOverHttp(stack.http);
    expect(student.user.emailVerified).toBe(false);
    const token = await linkSentTo(student.email, 'verify-email');

    // The workflow: business-key id, search attributes, status query, ids only in its history.
    const handle = stack.client.workflow.getHandle(`account-email:${student.user.id}:verify-email:1`);
    expect(await handle.result()).toEqual({ purpose: 'verify-email', emailStatus: 'STORED' });
    expect(await handle.query('status')).toBe('STORED');
    const described = await handle.describe();
    expect(described.type).toBe('accountEmail');
    expect(described.typedSearchAttributes.get(CohortKind)).toBe('account-email');
    expect(described.typedSearchAttributes.get(CohortUserId)).toBe(student.user.id);
    const history = await stack.historyText(handle.workflowId);
    expect(history).not.toContain(student.email);
    expect(history).not.toContain(token);

    expect((await stack.knex('account_tokens').where({ userId: student.user.id }))[0]).toMatchObject({
      purpose: 'verify-email',
      tokenHash: hashToken(token),
    });
    const verified = await verifyEmail(token);
    expect(verified.status, verified.text).toBe(200);
    expect(verified.body).toEqual({ emailVerified: true });
    expect((await me(student.token)).body.emailVerified).toBe(true);
    await waitForAudit(
      () => stack.knex('audit_logs').where({ action: 'auth.email_verified', userId: student.user.id }),
      (rows) => rows.length === 1,
    );

    // Used: refused, and nothing changes.
    expectProblem(await verifyEmail(token), 400, 'validation_failed');
    // A verify-email link does not set a password.
    expectProblem(
      await stack.http.post('/api/auth/set-password', { token, password: NEW_PASSWORD }),
      400,
      'validation_failed',
    );
  });

  it('refuses an expired link and a garbage one, leaving the address unverified', async () => {
    const student = await signUpOverHttp(stack.http);
    const token = await linkSentTo(student.email, 'verify-email');
    await stack
      .knex('account_tokens')
      .where({ userId: student.user.id })
      .update({ expiresAt: new Date(Date.now() - 1000) });
    expectProblem(await verifyEmail(token), 400, 'validation_failed');
    for (const garbage of [
      'A'.repeat(43),
      token.slice(0, -1),
      `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`,
    ])
      expectProblem(await verifyEmail(garbage), 400, 'validation_failed');
    expect((await me(student.token)).body.emailVerified).toBe(false);
    expect((await stack.knex('users').where({ id: student.user.id }).first()).emailVerifiedAt).toBeNull();
  });
});

describe('forgot-password', () => {
  it('answers 202 alike for a known and an unknown address, and mails only the account', async () => {
    const student = await signUpOverHttp(stack.http);
    const unknown = uniqueEmail('nobody');
    const timed = async (email: string) => {
      const started = performance.now();
      const res = await forgotPassword(email);
      return { res, ms: performance.now() - started };
    };
    const known = await timed(student.email.toUpperCase());
    const stranger = await timed(unknown);
    for (const { res, ms } of [known, stranger]) {
      expect(res.status, res.text).toBe(202);
      expect(res.body).toEqual({ status: 'accepted' });
      // Neither answer comes sooner than the floor that hides the workflow start.
      expect(ms).toBeGreaterThanOrEqual(FORGOT_PASSWORD_ANSWER_MS - 5);
    }
    expect(known.res.text).toBe(stranger.res.text);

    await linkSentTo(student.email, 'password-reset');
    // A double submit lands on the same workflow: still one message.
    expect((await forgotPassword(student.email)).status).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(outboxMessagesTo(stack.config.DATA_DIR, student.email, 'password-reset')).toHaveLength(1);
    expect(listOutbox(stack.config.DATA_DIR).filter((m) => m.headers.to === unknown)).toEqual([]);
  });

  it('sends nothing for an erased account', async () => {
    const erased = await signUpOverHttp(stack.http);
    await stack.knex('users').where({ id: erased.user.id }).update({ anonymized: true });
    const window = () => Math.floor(Date.now() / PASSWORD_RESET_WINDOW_MS);
    const windows = [window()];
    expect((await forgotPassword(erased.email)).status).toBe(202);
    windows.push(window());
    for (const n of new Set(windows)) {
      const handle = stack.client.workflow.getHandle(`account-email:${erased.user.id}:password-reset:${n}`);
      await expect(handle.describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    }
  });

  it('the reset link sets the password, verifies the address and revokes every other session', async () => {
    const student = await signUpOverHttp(stack.http);
    const login = await stack.http.post('/api/auth/login', { email: student.email, password: student.password });
    expect(login.status).toBe(200);
    expect((await forgotPassword(student.email)).status).toBe(202);
    const token = await linkSentTo(student.email, 'password-reset');

    const reset = await stack.http.post('/api/auth/set-password', { token, password: NEW_PASSWORD });
    expect(reset.status, reset.text).toBe(200);
    expect(reset.body.user).toMatchObject({ id: student.user.id, emailVerified: true });
    for (const old of [student.token, login.body.token]) expectProblem(await me(old), 401, 'unauthenticated');
    expect((await me(reset.body.token)).status).toBe(200);
    const login2 = (password: string) => stack.http.post('/api/auth/login', { email: student.email, password });
    expect((await login2(student.password)).status).toBe(401);
    expect((await login2(NEW_PASSWORD)).status).toBe(200);
    // Single use.
    expectProblem(
      await stack.http.post('/api/auth/set-password', { token, password: 'yet another passphrase' }),
      400,
      'validation_failed',
    );
  });
});

describe('hostile input: 400 problem+json, nothing written, no email', () => {
  it('POST /api/auth/verify-email', async () => {
    const before = listOutbox(stack.config.DATA_DIR).length;
    const cases = await expectHostileInputRefused(stack.knex, stack.http, {
      method: 'POST',
      path: '/api/auth/verify-email',
      valid: { token: 'A'.repeat(43) },
      fields: {
        token: {
          kind: 'text',
          required: true,
          invalid: [12345, null, [], {}, true, '', 'short', 'x'.repeat(201), "' OR 1=1 --", 'a\u0000'.repeat(30)],
        },
      },
    });
    expect(cases).toBeGreaterThan(10);
    expect(listOutbox(stack.config.DATA_DIR)).toHaveLength(before);
  });

  it('POST /api/auth/forgot-password', async () => {
    const before = await countRows(stack.knex, ['account_tokens', 'email_messages']);
    const cases = await expectHostileInputRefused(stack.knex, stack.http, {
      method: 'POST',
      path: '/api/auth/forgot-password',
      valid: { email: uniqueEmail() },
      fields: { email: { kind: 'email', required: true } },
    });
    expect(cases).toBeGreaterThan(10);
    expect(await countRows(stack.knex, ['account_tokens', 'email_messages'])).toEqual(before);
  });
});

// Last: it searches every message the tests above had delivered.
describe('no working link at rest', () => {
  it('email_messages holds none of the tokens the delivered messages carried', async () => {
    const delivered = () =>
      listOutbox(stack.config.DATA_DIR).flatMap((m) =>
        [...m.text.matchAll(/#token=([A-Za-z0-9_-]+)/g)].map((match) => match[1]!),
      );
    // The workflows of the tests above may still be delivering on a busy machine.
    const tokens = await waitFor('six delivered links', async () => {
      const found = delivered();
      return found.length >= 6 ? found : undefined;
    });
    expect(tokens.length).toBeGreaterThanOrEqual(6);
    const rows: { htmlBody: string; textBody: string; subject: string; linkPurpose: string | null }[] = await stack
      .knex('email_messages')
      .select('htmlBody', 'textBody', 'subject', 'linkPurpose');
    const stored = JSON.stringify(rows);
    for (const token of tokens) expect(stored).not.toContain(token);
    expect(JSON.stringify(await stack.knex('account_tokens').select('*'))).not.toMatch(new RegExp(tokens.join('|')));
    for (const row of rows.filter((r) => r.linkPurpose))
      expect(row.textBody).toContain('[link removed: sent to the recipient only]');
  });
});
