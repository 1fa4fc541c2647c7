import { randomBytes } from 'node:crypto';
import { makeTelemetryFilterString, Runtime } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, temporalLogger } from '../../lib/logger';
import { listOutbox } from '../../scripts/lib/outbox';
import { FakeOAuthProvider } from '../fakes/oauth-providers';
import { startFakeSlack, type FakeSlack } from '../fakes/slack';
import { activeVersions } from '../helpers/accounts';
import { trackOutline } from '../helpers/enrollment';
import { pay, waitFor } from '../helpers/payments';
import { startStack, type TestStack } from '../helpers/stack';
import { createTestUser } from '../helpers/users';

/**
 * A whole journey (sign-up, a failed and a good login, OAuth sign-in, checkout and payment
 * through the Stripe stand-in, an admin-created student setting a password from the welcome
 * link, a submission and its review, admin look-ups by email) with the API's and the worker's
 * logs captured at debug level: none of its emails, names, passwords, addresses, session or
 * link tokens may appear in them.
 */
const lines: string[] = [];
const logger = createLogger('debug', { write: (chunk: string) => void lines.push(chunk) });

const tag = randomBytes(4).toString('hex');
const FRONTEND = 'http://frontend.test/app';
const ADDRESS = '203.0.113.77';
const student = {
  email: `zebulon.logtest.${tag}@example.test`,
  fullName: `Zebulon Quixote-Logtest ${tag}`,
  password: `Pw-Logtest-${tag}-4471!`,
};
const wrongPassword = `Wrong-Logtest-${tag}-9981`;
const oauthAccount = {
  sub: `77${parseInt(tag, 16)}`,
  email: `oswin.oauth.${tag}@example.test`,
  name: `Oswin Oauthlog ${tag}`,
};
const invited = { email: `adelaide.invited.${tag}@example.test`, fullName: `Adelaide Invited-Logtest ${tag}` };
const invitedPassword = `Invited-Pw-${tag}-3301`;
const notes = `Notes-Logtest-${tag} my phone is 555-0199`;
const feedback = `Feedback-Logtest-${tag} well done Zebulon`;

let stack: TestStack;
let slack: FakeSlack;
let github: FakeOAuthProvider;
const secrets = new Map<string, string>();
const secret = (label: string, value: string) => secrets.set(label, value);

beforeAll(async () => {
  // Before any Temporal connection in this process: the worker's Runtime logger is ours.
  Runtime.install({
    logger: temporalLogger(logger.child({ process: 'worker' })),
    telemetryOptions: {
      logging: { forward: {}, filter: makeTelemetryFilterString({ core: 'INFO', other: 'INFO' }) },
    },
  });
  slack = await startFakeSlack();
  github = await new FakeOAuthProvider('github').start();
  stack = await startStack({
    stripe: true,
    adminAlerts: { email: `ops.${tag}@cohort.test`, slackWebhookUrl: slack.url },
    logger,
    env: { LOG_LEVEL: 'debug', FRONTEND_URL: FRONTEND, ...github.env() },
  });
}, 180_000);
afterAll(async () => {
  await stack?.close();
  await github?.stop();
  await slack?.close();
});

/** Every link token in the journey's messages: in the outbox rows and in any .eml files kept for developers. */
function linkTokensIn(texts: string[]): string[] {
  return texts.flatMap((text) => [...text.matchAll(/[?#&]token=([A-Za-z0-9_-]{20,})/g)].map((m) => m[1]!));
}
/** The dev outbox's messages, decoded (quoted-printable would split a token in the raw file). */
function emlTexts(dataDir: string): string[] {
  return listOutbox(dataDir).flatMap((m) => [m.text, m.html]);
}

describe('logs of a whole journey', () => {
  it('hold no email, name, password, address, session token or link token', async () => {
    const http = stack.http;
    const from = { 'x-forwarded-for': ADDRESS };
    const versions = await activeVersions(http);
    for (const [k, v] of Object.entries(student)) secret(`student ${k}`, v);
    secret('student email local part', student.email.split('@')[0]!);
    secret('wrong password', wrongPassword);
    secret('oauth email', oauthAccount.email);
    secret('oauth name', oauthAccount.name);
    secret('invited email', invited.email);
    secret('invited name', invited.fullName);
    secret('invited password', invitedPassword);
    secret('address', ADDRESS);
    secret('notes', notes);
    secret('feedback', feedback);

    // Staff, with names and emails of their own.
    const trainer = await createTestUser(stack.knex, {
      role: 'trainer',
      email: `tristan.trainer.${tag}@example.test`,
      fullName: `Tristan Trainerlog ${tag}`,
    });
    await stack.knex('trainers').insert({ userId: trainer.user.id, tracks: ['FSD'], maxStudents: 20 });
    const admin = await createTestUser(stack.knex, {
      role: 'admin',
      email: `amelia.admin.${tag}@example.test`,
      fullName: `Amelia Adminlog ${tag}`,
    });
    for (const [label, who] of Object.entries({ trainer, admin })) {
      secret(`${label} email`, who.user.email);
      secret(`${label} name`, who.user.fullName);
      secret(`${label} token`, who.token);
    }

    // Sign-up, a failed login, a good login.
    const signUp = await http.post(
      '/api/auth/signup',
      {
        ...student,
        acceptPrivacyVersion: versions.privacyVersion,
        acceptTermsVersion: versions.termsVersion,
      },
      from,
    );
    expect(signUp.status, signUp.text).toBe(201);
    secret('sign-up session', signUp.body.token);
    expect((await http.post('/api/auth/login', { email: student.email, password: wrongPassword }, from)).status).toBe(
      401,
    );
    const login = await http.post('/api/auth/login', { email: student.email, password: student.password }, from);
    expect(login.status).toBe(200);
    const token = login.body.token as string;
    secret('login session', token);

    // OAuth: the callback's redirect carries a session token in its fragment.
    github.next = oauthAccount;
    const start = await http.get('/api/auth/oauth/github/start', from);
    const stateCookie = start.headers
      .getSetCookie()
      .find((c) => c.startsWith('cohort_oauth='))!
      .split(';')[0]!;
    const atProvider = await fetch(start.headers.get('location')!, { redirect: 'manual' });
    const callback = new URL(atProvider.headers.get('location')!);
    secret('oauth code', callback.searchParams.get('code')!);
    const done = await http.get(`${callback.pathname}${callback.search}`, { cookie: stateCookie, ...from });
    expect(done.status, done.text).toBe(302);
    secret('oauth session', new URLSearchParams(new URL(done.headers.get('location')!).hash.slice(1)).get('token')!);

    // Checkout and payment through the Stripe stand-in; the saga enrolls and assigns the trainer.
    const checkout = await http.as(token).post('/api/payments/checkout', { track: 'FSD' }, from);
    expect(checkout.status, checkout.text).toBe(201);
    await pay(checkout.body.checkoutUrl);
    const userId = signUp.body.user.id as string;
    await waitFor('enrolled with a trainer', async () => {
      const row = await stack.knex('enrollments').where({ userId, trackCode: 'FSD', status: 'ENROLLED' }).first();
      return row?.trainerId ? row : undefined;
    });

    // An admin-created student sets a password with the link in their welcome email.
    const created = await http
      .as(admin.token)
      .post('/api/admin/users', { email: invited.email, fullName: invited.fullName, role: 'student' }, from);
    expect(created.status, created.text).toBe(201);
    const enrolled = await http
      .as(admin.token)
      .post('/api/admin/enroll-student', { userId: created.body.id, track: 'FSD', bypassPayment: true, notes }, from);
    expect(enrolled.status, enrolled.text).toBe(202);
    await waitFor(
      'the invited student’s welcome email',
      async () =>
        (await stack.knex('email_messages').where({ userId: created.body.id, template: 'welcome' }).first()) ??
        undefined,
    );

    // Learning: start, submit, review.
    const [project] = await trackOutline(stack.knex, 'FSD');
    expect((await http.as(token).post(`/api/projects/${project!.id}/start`, {}, from)).status).toBe(200);
    const submitted = await http.as(token).post(
      `/api/projects/${project!.id}/submissions`,
      {
        deliverableId: project!.steps[0]!.deliverables[0]!.id,
        repoUrl: `https://github.com/zebulon-${tag}/app`,
        notes,
      },
      from,
    );
    expect(submitted.status, submitted.text).toBe(201);
    const reviewed = await http
      .as(trainer.token)
      .post(`/api/submissions/${submitted.body.id}/review`, { decision: 'APPROVED', feedback }, from);
    expect(reviewed.status, reviewed.text).toBe(200);

    // Admin look-ups by email (the query string once reached the request log), then sign-out.
    expect((await http.as(admin.token).get(`/api/admin/emails?to=${encodeURIComponent(student.email)}`)).status).toBe(
      200,
    );
    expect((await http.as(token).post('/api/auth/logout', {}, from)).status).toBe(204);

    // Every message of the journey is written (the worker has logged its part).
    await waitFor('the journey’s emails stored', async () => {
      const rows = await stack.knex('email_messages').whereIn('userId', [userId, created.body.id]);
      const templates = new Set(rows.map((r: { template: string }) => r.template));
      return ['welcome', 'submission-received', 'feedback-available'].every((t) => templates.has(t)) &&
        rows.every((r: { status: string }) => r.status !== 'QUEUED')
        ? rows
        : undefined;
    });

    // Link tokens, wherever the messages keep them; the invited student spends theirs.
    const bodies = (await stack.knex('email_messages').select('textBody', 'htmlBody')).flatMap(
      (r: { textBody: string | null; htmlBody: string | null }) => [r.textBody ?? '', r.htmlBody ?? ''],
    );
    const linkTokens = [...new Set(linkTokensIn([...bodies, ...emlTexts(stack.config.DATA_DIR)]))];
    expect(linkTokens.length, 'the journey sent at least one link with a token').toBeGreaterThan(0);
    linkTokens.forEach((t, i) => secret(`link token ${i}`, t));
    let spent = false;
    for (const linkToken of linkTokens) {
      const res = await http.post('/api/auth/set-password', { token: linkToken, password: invitedPassword }, from);
      if (res.status === 200) {
        spent = true;
        secret('set-password session', res.body.token);
      }
    }
    expect(spent, 'the invited student set a password from the welcome link').toBe(true);
    // Let in-flight workflow tasks and their log lines land.
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    const output = lines.join('');
    const entries = output
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, any>);
    // The capture saw both sides: the API's request lines and the worker's Temporal logs.
    const requests = entries.filter((e) => e.msg === 'request completed');
    expect(requests.length).toBeGreaterThan(15);
    expect(entries.some((e) => e.process === 'worker')).toBe(true);
    for (const [label, value] of secrets) expect(output, `${label} leaked into the logs`).not.toContain(value);
    expect(output).not.toMatch(/@example\.test/);

    // A request line: id, method, route pattern, status, duration; no URL, headers or address.
    const oauthLine = requests.find((e) => e.route === '/api/auth/oauth/:provider/callback')!;
    expect(oauthLine).toMatchObject({
      req: { id: expect.any(String), method: 'GET' },
      res: { statusCode: 302 },
      responseTime: expect.any(Number),
    });
    expect(Object.keys(oauthLine.req).sort()).toEqual(['id', 'method']);
    expect(Object.keys(oauthLine.res)).toEqual(['statusCode']);
    expect(requests.map((e) => e.route)).toEqual(
      expect.arrayContaining([
        '/api/auth/signup',
        '/api/auth/login',
        '/api/admin/emails',
        '/api/submissions/:id/review',
      ]),
    );
  }, 180_000);
});
