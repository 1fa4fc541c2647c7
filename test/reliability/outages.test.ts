import { randomUUID } from 'node:crypto';
import { CreateBucketCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../../lib/logger';
import { createFreshDatabase, startCohortStack, type CohortStack } from '../../scripts/lib/local-stack';
import { startFakePostmark, type FakePostmark } from '../fakes/postmark';
import { startFakeSlack, type FakeSlack } from '../fakes/slack';
import { startPrivatePostgres, type PrivatePostgres } from '../helpers/embedded-postgres';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy';
import { HttpClient, type HttpResponse } from '../helpers/http';
import { startMotoServer, type MotoServer } from '../helpers/moto-server';
import { waitFor } from '../helpers/payments';
import { installTestRuntime, testEnv } from '../helpers/stack';
import { startRestartableTemporal, type RestartableTemporal } from '../helpers/temporal-server';
import { createTestUser } from '../helpers/users';
import { recordFigures } from './figures';
import type { LedgerPerson } from './ledger';
import { checkEffects, type EffectsReport } from './outage-checks';

/**
 * Part 2 of the reliability suite: dependency outages in the middle of a run. One stack
 * whose every dependency this file owns (a private PostgreSQL, a private Temporal dev
 * server on SQLite, Postmark, the Stripe stand-in, moto's S3 and Slack each behind a fault
 * proxy) lives through three outages in turn, each while onboardings (sign-up, checkout,
 * payment through the stand-in's webhook) and data exports are in flight. After each, the
 * ledger (outage-checks.ts) shows every student paid, enrolled and welcomed exactly once;
 * at the end every workflow started has completed.
 */
const PEER_OUTAGE_MS = Number(process.env.OUTAGE_PEER_MS ?? 30_000);
const JOURNEYS_PER_SCENARIO = 4;
const EXPORTS_PER_SCENARIO = 2;
const BUCKET = 'cohort-outages';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let pg: PrivatePostgres;
let temporal: RestartableTemporal;
let postmark: FakePostmark;
let slack: FakeSlack;
let moto: MotoServer;
let proxies: Record<'postmark' | 'stripe' | 's3' | 'slack', FaultProxy>;
let stack: CohortStack;
let http: HttpClient;
let s3: S3Client;
const students: LedgerPerson[] = [];
const exports: { userId: string; workflowId: string }[] = [];
// The API's and worker's error lines: a 500 says nothing about itself (by design), its log line does.
const errorLines: string[] = [];
const lastUnhandled = () => errorLines.filter((l) => l.includes('unhandled error')).slice(-1)[0] ?? '';

beforeAll(async () => {
  installTestRuntime();
  [pg, temporal, postmark, slack, moto] = await Promise.all([
    startPrivatePostgres(),
    startRestartableTemporal(),
    startFakePostmark(),
    startFakeSlack(),
    startMotoServer(),
  ]);
  const slackUrl = new URL(slack.url);
  proxies = {
    postmark: await startFaultProxy(postmark.baseUrl),
    // The stand-in listens only once the stack has started it; aimed below.
    stripe: await startFaultProxy(),
    s3: await startFaultProxy(moto.url),
    slack: await startFaultProxy(slackUrl.origin),
  };
  // The S3 client's default credential chain reads these (moto takes any).
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  s3 = new S3Client({ region: 'us-east-1', endpoint: moto.url, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  stack = await startCohortStack({
    database: () => createFreshDatabase(pg.url('postgres')),
    temporalAddress: temporal.address,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    stripe: true,
    logger: createLogger('error', { write: (line: string) => void errorLines.push(line) }),
    adminAlerts: { email: 'ops@cohort.test', slackWebhookUrl: `${proxies.slack.url}${slackUrl.pathname}` },
    env: testEnv({
      POSTMARK_SERVER_TOKEN: postmark.token,
      POSTMARK_API_BASE: proxies.postmark.url,
      STRIPE_API_BASE: proxies.stripe.url,
      S3_BUCKET: BUCKET,
      S3_ENDPOINT: proxies.s3.url,
      // Exports end (their archive deleted) when the link expires: short, so the run sees them complete.
      EXPORT_LINK_TTL: '30s',
    }),
  });
  proxies.stripe.target = stack.standin!.url;
  http = new HttpClient(stack.baseUrl);
  const { user } = await createTestUser(stack.knex, { role: 'trainer' });
  await stack.knex('trainers').insert({ userId: user.id, tracks: ['DP'], maxStudents: 20 });
}, 240_000);

afterAll(async () => {
  await stack?.close();
  s3?.destroy();
  await Promise.all(Object.values(proxies ?? {}).map((p) => p.close()));
  await Promise.all([temporal?.destroy(), pg?.destroy(), postmark?.close(), slack?.close(), moto?.stop()]);
}, 120_000);

/**
 * A request as a careful client makes it: a 503 (the API says the outage is passing) is
 * retried after its Retry-After, for up to three minutes; any other answer is returned.
 */
async function patiently(what: string, send: () => Promise<HttpResponse>): Promise<HttpResponse> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const res = await send();
    if (res.status !== 503 || Date.now() > deadline) return res;
    expect(res.headers.get('content-type'), `${what}: ${res.text}`).toContain('application/problem+json');
    const retryAfter = Number(res.headers.get('retry-after') ?? 1);
    await sleep(Math.min(Math.max(retryAfter, 1), 5) * 1000);
  }
}

/** Sign-up → checkout → payment at the stand-in (whose webhook signals the saga); `exportData` asks for an export too. */
async function journey(exportData: boolean): Promise<void> {
  const email = `outage-${randomUUID().slice(0, 8)}@example.test`;
  const password = 'correct horse battery';
  const policies = await patiently('policies', () => http.get('/api/policies/current'));
  expect(policies.status, `${policies.text} ${lastUnhandled()}`).toBe(200);
  const versions = { privacyVersion: policies.body.privacy.version, termsVersion: policies.body.terms.version };
  const signup = await patiently('sign-up', () =>
    http.post('/api/auth/signup', {
      email,
      password,
      fullName: 'Ada Outage',
      acceptPrivacyVersion: versions.privacyVersion,
      acceptTermsVersion: versions.termsVersion,
    }),
  );
  expect(signup.status, `${signup.text} ${lastUnhandled()}`).toBe(201);
  students.push({ userId: signup.body.user.id, email });
  const student = http.as(signup.body.token as string);
  if (exportData) {
    const started = await patiently('export', () => student.get('/api/accounts/export-data'));
    expect(started.status, `${started.text} ${lastUnhandled()}`).toBe(202);
    exports.push({ userId: signup.body.user.id, workflowId: started.body.workflowId });
  }
  const checkout = await patiently('checkout', () => student.post('/api/payments/checkout', { track: 'DP' }));
  expect(checkout.status, `${checkout.text} ${lastUnhandled()}`).toBe(201);
  const paid = await fetch(checkout.body.checkoutUrl, { method: 'POST' });
  expect(paid.status).toBe(200);
}

/** A scenario's journeys, started a moment apart so the outage finds them at different steps. */
function startJourneys(): Promise<void[]> {
  return Promise.all(
    Array.from({ length: JOURNEYS_PER_SCENARIO }, async (_, i) => {
      await sleep(i * 700);
      await journey(i < EXPORTS_PER_SCENARIO);
    }),
  );
}

/** Polls the ledger until `done` holds (or gives up and returns the last report, which says what is missing). */
async function ledgerWhen(
  what: string,
  done: (r: EffectsReport) => boolean,
  timeoutMs = 180_000,
): Promise<EffectsReport> {
  let last: EffectsReport | undefined;
  const read = () =>
    checkEffects({
      client: stack.client,
      knex: stack.knex,
      postmark,
      standin: stack.standin!,
      slack,
      students,
      track: 'DP',
    });
  await waitFor(
    what,
    async () => {
      last = await read();
      return done(last) ? last : undefined;
    },
    timeoutMs,
  ).catch(() => undefined);
  return last ?? read();
}

/** Each export's archive was built, stored in S3 with its recorded hash, while its link lives. */
async function expectExportsStored(): Promise<void> {
  for (const e of exports) {
    const read = () => stack.knex('data_exports').where({ workflowId: e.workflowId }).first();
    const row = await waitFor(
      `export ${e.workflowId} ready`,
      async () => {
        const r = await read();
        return r && r.status !== 'RUNNING' ? r : undefined;
      },
      180_000,
    );
    if (row.status !== 'READY') continue; // Expired already: its workflow deleted the archive on schedule.
    // The record is withdrawn before its archive is deleted, so an archive missing here must
    // belong to a record that expired since it was read (its 30 s link ran out meanwhile).
    const head = await s3
      .send(new HeadObjectCommand({ Bucket: BUCKET, Key: row.blobKey }))
      .catch(async (error: unknown) => {
        if ((await read()).status === 'EXPIRED') return undefined;
        throw error;
      });
    if (head) expect(head.ContentLength).toBe(Number(row.sizeBytes));
  }
}

async function expectScenarioSettled(scenario: string) {
  const report = await ledgerWhen('every student paid, enrolled and welcomed once', (r) => r.problems.length === 0);
  expect(report.problems, `${scenario}: ${report.problems.join('; ')}`).toEqual([]);
  await expectExportsStored();
}

/** Journeys under way, `server` stopped for a few seconds and started again; then the ledger must settle. */
async function restartMidRun(server: { stop(): Promise<void>; start(): Promise<void> }, scenario: string) {
  const journeys = startJourneys();
  await sleep(1500);
  await server.stop();
  await sleep(5000);
  await server.start();
  await journeys;
  await expectScenarioSettled(scenario);
}

describe.sequential('dependency outages mid-run', () => {
  it('PostgreSQL restarted: the worker survives, the API answers 503 meanwhile, nothing lost or doubled', async () => {
    await restartMidRun(pg, 'postgres');
  });

  it('Temporal server restarted on its SQLite file: worker and API reconnect by themselves', async () => {
    await restartMidRun(temporal, 'temporal');
  });

  it(`Postmark, Stripe, S3 and Slack answering 503 and then hanging (${PEER_OUTAGE_MS / 1000} s each)`, async () => {
    const journeys = startJourneys();
    await sleep(1500);
    const all = Object.values(proxies);
    for (const p of all) p.mode = '503';
    await sleep(PEER_OUTAGE_MS);
    for (const p of all) p.mode = 'hang';
    await sleep(PEER_OUTAGE_MS);
    for (const p of all) p.mode = 'pass';
    await journeys;
    // The last journey starts after the outage began, and its checkout needs Stripe: Stripe's client
    // surely felt it. The others depend on where each saga stood; their counts are printed.
    expect(proxies.stripe.seen['503'] + proxies.stripe.seen.hang).toBeGreaterThan(0);
    console.log(
      'outage requests per peer',
      JSON.stringify(Object.fromEntries(Object.entries(proxies).map(([n, p]) => [n, p.seen]))),
    );
    await expectScenarioSettled('peers');
  });

  it('afterwards every workflow started has completed, with no effect twice', async () => {
    const report = await ledgerWhen('every workflow to complete', (r) => r.unfinished.length === 0, 120_000);
    recordFigures('outages', {
      workflowsStarted: report.workflowsStarted,
      workflowsCompleted: report.workflowsCompleted,
      duplicateEffects: report.duplicateEffects,
    });
    expect(students).toHaveLength(3 * JOURNEYS_PER_SCENARIO);
    expect(report.unfinished).toEqual([]);
    expect(report.problems).toEqual([]);
    expect(report.duplicateEffects).toBe(0);
    console.log(`admin alerts re-posted to Slack after an outage (not deduplicable): ${report.slackReposts}`);
  });
});
