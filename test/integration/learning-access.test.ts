import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGitHub, type FakeGitHub } from '../fakes/github';
import { enrollStudent, trackOutline } from '../helpers/enrollment';
import { startStack, type TestStack } from '../helpers/stack';
import { createTestUser, type TestUser } from '../helpers/users';
import { workflowIds } from '../../workflows/shared/ids';

let stack: TestStack;
let github: FakeGitHub;
let ada: TestUser, bob: TestUser, carol: TestUser, trainer: TestUser, otherTrainer: TestUser, admin: TestUser;
let dp: Awaited<ReturnType<typeof trackOutline>>;
let fsd: Awaited<ReturnType<typeof trackOutline>>;

beforeAll(async () => {
  github = await startFakeGitHub(['ada-l/exists', 'bob/repo']);
  stack = await startStack({
    env: { GITHUB_VERIFY_REPOS: 'true', GITHUB_API_BASE: github.baseUrl, GITHUB_TOKEN: 'ghp_test' },
  });
  [ada, bob, carol, trainer, otherTrainer, admin] = await Promise.all([
    createTestUser(stack.knex),
    createTestUser(stack.knex),
    createTestUser(stack.knex),
    createTestUser(stack.knex, { role: 'trainer' }),
    createTestUser(stack.knex, { role: 'trainer' }),
    createTestUser(stack.knex, { role: 'admin' }),
  ]);
  await enrollStudent(stack.knex, { userId: ada.user.id, trainerUserId: trainer.user.id, track: 'DP' });
  await enrollStudent(stack.knex, { userId: bob.user.id, trainerUserId: otherTrainer.user.id, track: 'DP' });
  dp = await trackOutline(stack.knex, 'DP');
  fsd = await trackOutline(stack.knex, 'FSD');
  await stack.http.as(ada.token).post(`/api/projects/${dp[0]!.id}/start`);
  await stack.http.as(bob.token).post(`/api/projects/${dp[0]!.id}/start`);
});
afterAll(async () => {
  await stack?.close();
  await github?.close();
});

const counts = async () => {
  const [s, e, sc] = await Promise.all(
    [
      stack.knex('submissions'),
      // A DP workspace's emails come from its own workflow, on its own clock.
      stack.knex('email_messages').whereNot('template', 'like', 'workspace-%'),
      stack.knex('step_completions'),
    ].map((q) => q.count({ n: '*' }).first()),
  );
  return { submissions: Number(s!.n), emails: Number(e!.n), steps: Number(sc!.n) };
};
const expectProblem = (res: { status: number; headers: Headers; body: any }, status: number, code: string) => {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expect(res.body.code).toBe(code);
};

describe('progress: access and bad input', () => {
  it('answers 401, 403, 404 and 409 as the contract says, writing nothing', async () => {
    const before = await counts();
    expectProblem(await stack.http.get('/api/progress'), 401, 'unauthenticated');
    expectProblem(await stack.http.as(trainer.token).get('/api/progress'), 403, 'forbidden');
    expectProblem(await stack.http.as(carol.token).get('/api/progress'), 404, 'not_found');
    const as = stack.http.as(ada.token);
    expectProblem(await as.post('/api/projects/not-a-uuid/start'), 400, 'validation_failed');
    expectProblem(await as.post(`/api/projects/${randomUUID()}/start`), 404, 'not_found');
    expectProblem(await as.post(`/api/projects/${fsd[0]!.id}/start`), 404, 'not_found');
    expectProblem(await as.post(`/api/projects/${dp[1]!.id}/start`), 409, 'conflict');
    expectProblem(await as.post(`/api/steps/${encodeURIComponent("1' OR '1'='1")}/complete`), 400, 'validation_failed');
    expectProblem(await as.post(`/api/steps/${fsd[0]!.steps[0]!.id}/complete`), 404, 'not_found');
    expectProblem(await as.post(`/api/steps/${dp[1]!.steps[0]!.id}/complete`), 409, 'conflict');
    expect(await counts()).toEqual(before);
    const progress = (await as.get('/api/progress/')).body;
    expect(progress.projects[1]).toMatchObject({ status: 'LOCKED', startedAt: null, completedStepIds: [] });
  });
});

describe('submissions: bad input', () => {
  const submit = (body: unknown, projectId = dp[0]!.id, token = ada.token) =>
    stack.http.as(token).post(`/api/projects/${projectId}/submissions`, body);

  it('rejects malformed URLs, unknown deliverables, oversized notes and hostile input with 400, writing nothing', async () => {
    const deliverableId = dp[0]!.steps[0]!.deliverables[0]!.id;
    const before = await counts();
    const bad: unknown[] = [
      {},
      { repoUrl: 'https://github.com/ada-l/exists' },
      { deliverableId },
      { deliverableId: 'nope', repoUrl: 'https://github.com/ada-l/exists' },
      ...[
        'http://github.com/ada-l/exists',
        'https://github.com/ada-l',
        'https://github.com/ada-l/exists/tree/main',
        'https://evil.test/ada-l/exists',
        'https://github.com/ada-l/exists?x=1',
        'javascript:alert(1)',
        'https://github.com/-ada/exists',
        'https://github.com/ada-l/..',
        `https://github.com/ada-l/${'x'.repeat(300)}`,
        'https://github.com/ada-l/exists\n',
        42,
        // Hostile lookalikes: userinfo, another host, a Cyrillic і, a port, a fragment, encoded slashes, case, clone URLs.
        'https://evil@github.com/ada-l/exists',
        'https://github.com@evil.test/ada-l/exists',
        'https://github.com.evil.test/ada-l/exists',
        'https://g\u0456thub.com/ada-l/exists',
        'https://github.com:443/ada-l/exists',
        'https://github.com/ada-l/exists#readme',
        'https://github.com/ada-l%2Fexists/x',
        'HTTPS://GITHUB.COM/ada-l/exists',
        'https://github.com/ada-l/exists/',
        'https://github.com/ada-l/exists.git',
        'https://github.com/ada-l/...',
        ' https://github.com/ada-l/exists',
        '//github.com/ada-l/exists',
      ].map((repoUrl) => ({ deliverableId, repoUrl })),
      { deliverableId, deploymentUrl: 'ftp://files.example.test/x' },
      { deliverableId, deploymentUrl: 'https://ada:s3cret@ada.example.test/' },
      { deliverableId, repoUrl: 'https://github.com/ada-l/exists', notes: 'n'.repeat(5001) },
      { deliverableId, deploymentUrl: 'https://ada.example.test/', notes: 'a\u0000b' },
      { deliverableId, deploymentUrl: 'https://ada.example.test/', notes: 'a\u001b[2Jb' },
      { deliverableId: randomUUID(), repoUrl: 'https://github.com/ada-l/exists' },
      { deliverableId: dp[1]!.steps[0]!.deliverables[0]!.id, repoUrl: 'https://github.com/ada-l/exists' },
      { deliverableId, repoUrl: 'https://github.com/ada-l/missing' },
    ];
    const askedGitHub = github.authorizations.length;
    for (const body of bad) expectProblem(await submit(body), 400, 'validation_failed');
    // Only the well-formed URL of a missing repository reached GitHub; the rest failed on their shape.
    expect(github.authorizations.length).toBe(askedGitHub + 1);
    const raw = await stack.http
      .as(ada.token)
      .request('POST', `/api/projects/${dp[0]!.id}/submissions`, '{"deliverableId":', {
        'content-type': 'application/json',
      });
    expectProblem(raw, 400, 'validation_failed');
    expectProblem(
      await submit({ deliverableId, repoUrl: 'https://github.com/ada-l/exists' }, fsd[0]!.id),
      404,
      'not_found',
    );
    expectProblem(
      await submit(
        { deliverableId: dp[1]!.steps[0]!.deliverables[0]!.id, repoUrl: 'https://github.com/ada-l/exists' },
        dp[1]!.id,
      ),
      409,
      'conflict',
    );
    expectProblem(
      await submit({ deliverableId, repoUrl: 'https://github.com/ada-l/exists' }, dp[0]!.id, trainer.token),
      403,
      'forbidden',
    );
    github.failWith(502);
    expectProblem(await submit({ deliverableId, repoUrl: 'https://github.com/ada-l/exists' }), 503, 'unavailable');
    github.failWith(undefined);
    expect(await counts()).toEqual(before);
  });

  it('checks the repository on GitHub with the configured token, and keeps hostile notes as text', async () => {
    const notes = `<script>alert(1)</script>'; DROP TABLE submissions; --`;
    const res = await submit({
      deliverableId: dp[0]!.steps[0]!.deliverables[0]!.id,
      repoUrl: 'https://github.com/Ada-L/exists',
      notes,
    });
    expect(res.status).toBe(201);
    expect(res.body.notes).toBe(notes);
    expect(github.authorizations.at(-1)).toBe('token ghp_test');
    expectProblem(
      await submit({ deliverableId: dp[0]!.steps[0]!.deliverables[0]!.id, repoUrl: 'https://github.com/ada-l/exists' }),
      409,
      'conflict',
    );
  });
});

describe('review: access', () => {
  let adaSubmission: string;
  beforeAll(async () => {
    const res = await stack.http.as(ada.token).post(`/api/projects/${dp[0]!.id}/submissions`, {
      deliverableId: dp[0]!.steps[1]!.deliverables[0]!.id,
      deploymentUrl: 'https://ada.example.test',
    });
    adaSubmission = res.body.id;
  });
  const review = (token: string, id: string, body: unknown = { decision: 'APPROVED', feedback: 'ok' }) =>
    stack.http.as(token).post(`/api/submissions/${id}/review`, body);

  const reviewDone = (submissionId: string) =>
    stack.client.workflow.getHandle(workflowIds.review(submissionId)).result();

  it('lets only the assigned trainer or an admin review, once', async () => {
    const before = await counts();
    expectProblem(await review(otherTrainer.token, adaSubmission), 403, 'forbidden');
    expectProblem(await review(bob.token, adaSubmission), 403, 'forbidden');
    expectProblem(await review(trainer.token, randomUUID()), 404, 'not_found');
    for (const body of [
      {},
      { decision: 'MAYBE', feedback: 'x' },
      { decision: 'APPROVED' },
      { decision: 'APPROVED', feedback: '   ' },
      { decision: 'APPROVED', feedback: 'f'.repeat(10_001) },
      { decision: ['APPROVED'], feedback: 'x' },
      { decision: 'APPROVED', feedback: 'ok\u0000' },
    ]) {
      expectProblem(await review(trainer.token, adaSubmission, body), 400, 'validation_failed');
    }
    expect(await counts()).toEqual(before);
    expect((await stack.knex('submissions').where({ id: adaSubmission }).first()).status).toBe('SUBMITTED');

    const ok = await review(trainer.token, adaSubmission, { decision: 'CHANGES_REQUESTED', feedback: 'Tests?' });
    expect(ok.status).toBe(200);
    expectProblem(await review(trainer.token, adaSubmission), 409, 'conflict');
    expectProblem(await review(admin.token, adaSubmission), 409, 'conflict');
    // The review answers once it has settled and emails after (settle first, notify after).
    await reviewDone(adaSubmission);
    expect((await counts()).emails).toBe(before.emails + 1);
  });

  it('lets one of two concurrent submissions, and one of two concurrent reviews, through; the other is a conflict', async () => {
    const body = { deliverableId: dp[0]!.steps[1]!.deliverables[0]!.id, deploymentUrl: 'https://ada.example.test/v2' };
    const submitted = await Promise.all(
      [1, 2].map(() => stack.http.as(ada.token).post(`/api/projects/${dp[0]!.id}/submissions`, body)),
    );
    expect(submitted.map((r) => r.status).sort()).toEqual([201, 409]);
    const id = submitted.find((r) => r.status === 201)!.body.id;
    const reviewed = await Promise.all([
      review(trainer.token, id, { decision: 'CHANGES_REQUESTED', feedback: 'a' }),
      review(admin.token, id, { decision: 'APPROVED', feedback: 'b' }),
    ]);
    expect(reviewed.map((r) => r.status).sort()).toEqual([200, 409]);
    await reviewDone(id);
    const emails = await stack.knex('email_messages').where({ idempotencyKey: `review:${id}:feedback` });
    expect(emails).toHaveLength(1);
  });

  it('lists submissions by role: own, assigned students, all', async () => {
    const bobs = await stack.http.as(bob.token).post(`/api/projects/${dp[0]!.id}/submissions`, {
      deliverableId: dp[0]!.steps[0]!.deliverables[0]!.id,
      repoUrl: 'https://github.com/bob/repo',
    });
    expect(bobs.status).toBe(201);
    const owners = async (token: string, query = '') =>
      new Set((await stack.http.as(token).get(`/api/submissions${query}`)).body.map((s: any) => s.userId));
    expect(await owners(ada.token)).toEqual(new Set([ada.user.id]));
    expect(await owners(ada.token, `?userId=${bob.user.id}`)).toEqual(new Set());
    expect(await owners(trainer.token)).toEqual(new Set([ada.user.id]));
    expect(await owners(otherTrainer.token)).toEqual(new Set([bob.user.id]));
    expect(await owners(admin.token)).toEqual(new Set([ada.user.id, bob.user.id]));
    expectProblem(await stack.http.as(ada.token).get('/api/submissions?status=LOST'), 400, 'validation_failed');
    // An admin may review any student's submission.
    expect((await review(admin.token, bobs.body.id)).status).toBe(200);
  });
});

describe('external resources', () => {
  const create = (token: string, body: unknown) => stack.http.as(token).post('/api/external-resources', body);

  it('records, lists and deprovisions, with access by role', async () => {
    const own = await create(ada.token, {
      resourceType: 'JUPYTER',
      resourceUrl: 'https://jupyter.example.test/ada',
      projectId: dp[0]!.id,
    });
    expect(own.status).toBe(201);
    expect(own.body).toMatchObject({
      userId: ada.user.id,
      resourceType: 'JUPYTER',
      credentialsStored: false,
      deprovisionedAt: null,
      createdBy: ada.user.id,
    });
    // Bob's trainer records for Bob; Ada's trainer may not (least privilege, issue 8).
    const forBob = await create(otherTrainer.token, {
      userId: bob.user.id,
      resourceType: 'VERCEL',
      resourceUrl: 'https://bob.vercel.app',
      credentialsStored: true,
    });
    expect(forBob.status).toBe(201);

    expect((await stack.http.as(ada.token).get('/api/external-resources')).body.map((r: any) => r.id)).toEqual([
      own.body.id,
    ]);
    expect((await stack.http.as(bob.token).get(`/api/external-resources?userId=${ada.user.id}`)).body).toEqual([]);
    expect((await stack.http.as(admin.token).get('/api/external-resources')).body).toHaveLength(2);

    expectProblem(
      await stack.http.as(ada.token).post(`/api/external-resources/${own.body.id}/deprovision`),
      403,
      'forbidden',
    );
    const gone = await stack.http.as(trainer.token).post(`/api/external-resources/${own.body.id}/deprovision`);
    expect(gone.status).toBe(200);
    expect(gone.body.deprovisionedAt).toEqual(expect.any(String));
    const again = await stack.http.as(admin.token).post(`/api/external-resources/${own.body.id}/deprovision/`);
    expect(again.body.deprovisionedAt).toBe(gone.body.deprovisionedAt);
    expectProblem(
      await stack.http.as(admin.token).post(`/api/external-resources/${randomUUID()}/deprovision`),
      404,
      'not_found',
    );
  });

  it('lets a trainer see and change the resources of assigned students only; admins see all', async () => {
    const adaRes = await create(trainer.token, {
      userId: ada.user.id,
      resourceType: 'SUPERSET',
      resourceUrl: 'https://superset.example.test/ada',
    });
    expect(adaRes.status, adaRes.text).toBe(201);
    const bobRes = await create(otherTrainer.token, {
      userId: bob.user.id,
      resourceType: 'NETLIFY',
      resourceUrl: 'https://bob.netlify.app',
    });
    expect(bobRes.status, bobRes.text).toBe(201);
    const before = await stack.knex('external_resources').orderBy('id');

    // Create for another trainer's student, or for a user who is nobody's student: 403, nothing written.
    for (const userId of [bob.user.id, carol.user.id, randomUUID()])
      expectProblem(
        await create(trainer.token, { userId, resourceType: 'OTHER', resourceUrl: 'https://x.test' }),
        403,
        'forbidden',
      );
    // Deprovision another trainer's student's resource: 403, still provisioned.
    expectProblem(
      await stack.http.as(trainer.token).post(`/api/external-resources/${bobRes.body.id}/deprovision`),
      403,
      'forbidden',
    );
    expect(await stack.knex('external_resources').orderBy('id')).toEqual(before);

    // Lists: each trainer sees their own students' resources only, even when naming another student.
    const ids = async (token: string, query = '') =>
      (
        (await stack.http.as(token).get(`/api/external-resources${query}`)).body as { id: string; userId: string }[]
      ).map((r) => r.userId);
    expect(new Set(await ids(trainer.token))).toEqual(new Set([ada.user.id]));
    expect(await ids(trainer.token, `?userId=${bob.user.id}`)).toEqual([]);
    expect(new Set(await ids(otherTrainer.token))).toEqual(new Set([bob.user.id]));
    expect(new Set(await ids(admin.token))).toEqual(new Set([ada.user.id, bob.user.id]));

    // Their own students' resources they may change; admins any.
    const mine = await stack.http.as(trainer.token).post(`/api/external-resources/${adaRes.body.id}/deprovision`);
    expect(mine.status, mine.text).toBe(200);
    const byAdmin = await stack.http.as(admin.token).post(`/api/external-resources/${bobRes.body.id}/deprovision`);
    expect(byAdmin.status, byAdmin.text).toBe(200);
    expect(byAdmin.body.deprovisionedAt).toEqual(expect.any(String));
  });

  it("rejects bad input and other students' resources, writing nothing", async () => {
    const before = Number((await stack.knex('external_resources').count({ n: '*' }).first())!.n);
    const adaSubmission = (await stack.knex('submissions').where({ userId: ada.user.id }).first()).id;
    for (const body of [
      {},
      { resourceType: 'FTP', resourceUrl: 'https://x.test' },
      { resourceType: 'OTHER', resourceUrl: 'javascript:alert(1)' },
      { resourceType: 'OTHER', resourceUrl: `https://x.test/${'a'.repeat(2000)}` },
      { resourceType: 'OTHER', resourceUrl: 'https://x.test', credentialsStored: 'yes' },
      { resourceType: 'SUPERSET', resourceUrl: 'https://admin:hunter2@superset.example.test/' },
      { resourceType: 'jupyter', resourceUrl: 'https://x.test' },
      { resourceType: 'OTHER', resourceUrl: 'https://x.test', userId: 'not-a-uuid' },
    ]) {
      expectProblem(await create(ada.token, body), 400, 'validation_failed');
    }
    expectProblem(
      await create(trainer.token, { resourceType: 'OTHER', resourceUrl: 'https://x.test' }),
      400,
      'validation_failed',
    );
    expectProblem(
      await create(bob.token, { userId: ada.user.id, resourceType: 'OTHER', resourceUrl: 'https://x.test' }),
      404,
      'not_found',
    );
    expectProblem(
      await create(bob.token, { submissionId: adaSubmission, resourceType: 'OTHER', resourceUrl: 'https://x.test' }),
      404,
      'not_found',
    );
    expectProblem(
      await create(ada.token, { projectId: randomUUID(), resourceType: 'OTHER', resourceUrl: 'https://x.test' }),
      404,
      'not_found',
    );
    expect(Number((await stack.knex('external_resources').count({ n: '*' }).first())!.n)).toBe(before);
  });
});
