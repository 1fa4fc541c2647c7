import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from '../helpers/stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

describe('curriculum', () => {
  it('lists both tracks with prices', async () => {
    const res = await stack.http.get('/api/tracks');
    expect(res.status).toBe(200);
    expect(res.body.map((t: { code: string }) => t.code)).toEqual(['DP', 'FSD']);
    for (const track of res.body) {
      expect(track.priceCents).toBeGreaterThan(0);
      expect(track.currency).toMatch(/^[a-z]{3}$/);
    }
  });

  it('returns a track with ordered projects, steps and deliverables (trailing slash accepted)', async () => {
    const res = await stack.http.get('/api/tracks/dp/');
    expect(res.status).toBe(200);
    expect(res.body.projects.length).toBeGreaterThanOrEqual(5);
    expect(res.body.projects.map((p: { position: number }) => p.position)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(res.body.projects.some((p: { required: boolean }) => !p.required)).toBe(true);
    for (const project of res.body.projects) {
      expect(project.steps.length).toBeGreaterThan(0);
      for (const step of project.steps) expect(step.deliverables.length).toBeGreaterThan(0);
    }
  });

  it('answers an unknown track with problem+json', async () => {
    for (const code of ['XX', "DP' OR 1=1--", '%00', 'é'.repeat(300)]) {
      const res = await stack.http.get(`/api/tracks/${encodeURIComponent(code)}`);
      expect([400, 404]).toContain(res.status);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body.code).toMatch(/validation_failed|not_found/);
    }
  });

  it('is ready when the database and Temporal answer', async () => {
    const res = await stack.http.get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ db: 'ok', temporal: 'ok' });
  });

  it('runs workflows on its worker', async () => {
    const result = await stack.client.workflow.execute('ping', {
      args: ['pong'],
      taskQueue: stack.taskQueues.default,
      workflowId: `ping-${Date.now()}`,
    });
    expect(result).toBe('pong');
  });
});
