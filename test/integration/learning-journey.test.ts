import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailCounts, enrollStudent, reviewWorkflowsFinished, trackOutline } from '../helpers/enrollment';
import { startStack, type TestStack } from '../helpers/stack';
import { createTestUser } from '../helpers/users';
import { createDemoContext } from '../../scripts/demo/runner';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

const progressOf = async (token: string) => (await stack.http.as(token).get('/api/progress')).body;
const statusOf = async (token: string, projectId: string) =>
  (await progressOf(token)).projects.find((p: any) => p.projectId === projectId).status;

describe('a student works through a whole track', () => {
  it('starts, completes steps, submits, is reviewed and unlocks every project, each email once', async () => {
    const student = await createTestUser(stack.knex);
    const trainer = await createTestUser(stack.knex, { role: 'trainer' });
    await enrollStudent(stack.knex, { userId: student.user.id, trainerUserId: trainer.user.id, track: 'FSD' });
    const outline = await trackOutline(stack.knex, 'FSD');
    const required = outline.filter((p) => p.required);
    const optional = outline.filter((p) => !p.required);
    expect(optional.length).toBeGreaterThan(0);
    const as = stack.http.as(student.token);

    const initial = await progressOf(student.token);
    expect(initial.track).toBe('FSD');
    expect(initial.projects.map((p: any) => p.status)).toEqual([
      'UNLOCKED',
      'LOCKED',
      'LOCKED',
      'LOCKED',
      'LOCKED',
      'LOCKED',
    ]);
    expect((await as.post(`/api/projects/${required[1]!.id}/start`)).status).toBe(409);

    let deliverablesReviewed = 0;
    for (const [index, project] of required.entries()) {
      const started = await as.post(`/api/projects/${project.id}/start`);
      expect(started.status).toBe(200);
      expect(started.body).toMatchObject({
        projectId: project.id,
        status: 'IN_PROGRESS',
        startedAt: expect.any(String),
      });

      const deliverables = project.steps.flatMap((s) => s.deliverables);
      for (const step of project.steps) expect((await as.post(`/api/steps/${step.id}/complete`)).status).toBe(200);
      expect(
        (await progressOf(student.token)).projects.find((p: any) => p.projectId === project.id).completedStepIds,
      ).toEqual(project.steps.map((s) => s.id));

      for (const [n, deliverable] of deliverables.entries()) {
        const submitted = await as.post(`/api/projects/${project.id}/submissions`, {
          deliverableId: deliverable.id,
          repoUrl: `https://github.com/ada-l/project-${index}-${n}`,
          notes: 'Done.',
        });
        expect(submitted.status).toBe(201);
        expect(submitted.body).toMatchObject({
          status: 'SUBMITTED',
          deliverableId: deliverable.id,
          userId: student.user.id,
        });
        expect(await statusOf(student.token, project.id)).toBe('SUBMITTED');

        // The first deliverable of the first project goes through a round of changes.
        if (index === 0 && n === 0) {
          const changes = await stack.http.as(trainer.token).post(`/api/submissions/${submitted.body.id}/review`, {
            decision: 'CHANGES_REQUESTED',
            feedback: 'Add tests.',
          });
          expect(changes.status).toBe(200);
          expect(changes.body.outcome).toMatchObject({
            approved: false,
            projectCompleted: false,
            unlockedProjectId: null,
          });
          expect(await statusOf(student.token, project.id)).toBe('IN_PROGRESS');
          deliverablesReviewed += 1;
          const again = await as.post(`/api/projects/${project.id}/submissions`, {
            deliverableId: deliverable.id,
            repoUrl: 'https://github.com/ada-l/project-0-0b',
          });
          expect(again.status).toBe(201);
          submitted.body.id = again.body.id;
        }

        const reviewed = await stack.http
          .as(trainer.token)
          .post(`/api/submissions/${submitted.body.id}/review`, { decision: 'APPROVED', feedback: 'Well done.' });
        expect(reviewed.status).toBe(200);
        deliverablesReviewed += 1;
        const last = n === deliverables.length - 1;
        expect(reviewed.body.submission).toMatchObject({
          status: 'APPROVED',
          feedback: 'Well done.',
          reviewerId: trainer.user.id,
        });
        expect(reviewed.body.outcome.projectCompleted).toBe(last);
        expect(reviewed.body.outcome.unlockedProjectId).toBe(last ? (required[index + 1]?.id ?? null) : null);
      }
      expect(await statusOf(student.token, project.id)).toBe('COMPLETED');
      if (required[index + 1]) expect(await statusOf(student.token, required[index + 1]!.id)).toBe('UNLOCKED');
      // Optional projects placed before the next required one unlock with it (they never block the track).
      const at = (p: { id: string } | undefined) =>
        p ? outline.indexOf(p as (typeof outline)[number]) : outline.length;
      for (const extra of optional.filter((p) => at(p) > at(project) && at(p) < at(required[index + 1]))) {
        expect(await statusOf(student.token, extra.id)).toBe('UNLOCKED');
      }
    }

    const final = await progressOf(student.token);
    for (const p of final.projects) expect(p.status).toBe(p.required ? 'COMPLETED' : 'UNLOCKED');
    // The last approval handed the track to certification, which issues the certificate and emails it.
    const certification = await stack.client.workflow.getHandle(`certificate:${student.user.id}:FSD`).result();
    expect(certification).toMatchObject({ status: 'ISSUED' });
    await reviewWorkflowsFinished(stack, student.user.id);
    expect(await emailCounts(stack.knex, student.user.id)).toEqual({
      'submission-received': deliverablesReviewed,
      'feedback-available': deliverablesReviewed,
      'project-unlocked': required.length - 1 + optional.length,
      'certificate-issued': 1,
    });
    const handovers = await stack.knex('handovers').where({ userId: student.user.id });
    expect(handovers).toEqual([
      expect.objectContaining({
        kind: 'certification',
        subject: 'FSD',
        workflowId: `certificate:${student.user.id}:FSD`,
      }),
    ]);

    // Every email of the journey is listed for admins, STORED in the outbox.
    const admin = await createTestUser(stack.knex, { role: 'admin' });
    const listed = await stack.http
      .as(admin.token)
      .get(`/api/admin/emails?to=${encodeURIComponent(student.user.email)}`);
    expect(listed.body).toHaveLength(deliverablesReviewed * 2 + required.length - 1 + optional.length + 1);
    expect(new Set(listed.body.map((m: any) => m.status))).toEqual(new Set(['STORED']));

    // Lists: the student sees their own submissions, the assigned trainer sees them too.
    expect((await as.get('/api/submissions')).body).toHaveLength(deliverablesReviewed);
    expect((await stack.http.as(trainer.token).get(`/api/submissions?userId=${student.user.id}`)).body).toHaveLength(
      deliverablesReviewed,
    );
  }, 180_000);
});

describe('demo stages (scripts/demo/learning.ts)', () => {
  it('run against the stack with the state the earlier stages leave', async () => {
    const { stages } = await import('../../scripts/demo/learning');
    const student = await createTestUser(stack.knex);
    const admin = await createTestUser(stack.knex, { role: 'admin' });
    const trainer = await createTestUser(stack.knex, { role: 'trainer' });
    await enrollStudent(stack.knex, { userId: student.user.id, trainerUserId: trainer.user.id, track: 'DP' });
    const ctx = createDemoContext(stack.baseUrl);
    Object.assign(ctx.state, { studentToken: student.token, adminToken: admin.token });
    expect(stages.map((s) => s.name)).toEqual([
      'project 1 started',
      'workspace credentials work',
      'submission reviewed',
      'project 2 unlocked',
      'workspace deprovisioned once project 1 completed',
    ]);
    for (const stage of stages) await stage.run(ctx);
    expect(ctx.state).toMatchObject({
      track: 'DP',
      firstProjectId: expect.any(String),
      secondProjectId: expect.any(String),
      submissionIds: [expect.any(String), expect.any(String)],
    });
    await reviewWorkflowsFinished(stack, student.user.id);
    expect(await emailCounts(stack.knex, student.user.id)).toEqual({
      'submission-received': 2,
      'feedback-available': 2,
      'project-unlocked': 1,
    });
  });
});
