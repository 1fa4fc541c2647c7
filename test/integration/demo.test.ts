import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoContext, loadStageModules, runStages } from '../../scripts/demo/runner';
import type { DemoStage } from '../../scripts/demo/types';
import { runScript } from '../helpers/child-process';
import { startPaymentsStack, type PaymentsStack } from '../helpers/payments';
import type { TestStack } from '../helpers/stack';

// The payments stack: the demo pays through the Stripe stand-in.
let payments: PaymentsStack;
let stack: TestStack;
beforeAll(async () => {
  payments = await startPaymentsStack();
  stack = payments.stack;
});
afterAll(async () => {
  await payments?.close();
});

describe('demo runner', () => {
  it('runs stages in order over HTTP, hands state along, and stops at the first failure', async () => {
    const ran: string[] = [];
    const stages: DemoStage[] = [
      {
        name: 'tracks listed',
        async run(ctx) {
          ran.push('tracks listed');
          const res = await ctx.request('GET', '/api/tracks');
          if (res.status !== 200) throw new Error(`status ${res.status}`);
          ctx.state.firstTrack = res.body[0].code;
        },
      },
      {
        name: 'first track read',
        async run(ctx) {
          ran.push('first track read');
          const res = await ctx.request('GET', `/api/tracks/${ctx.state.firstTrack}`);
          if (res.status !== 200 || res.body.code !== 'DP') throw new Error(`status ${res.status}`);
        },
      },
      {
        name: 'unknown track read',
        async run(ctx) {
          ran.push('unknown track read');
          const res = await ctx.request('GET', '/api/tracks/NOPE');
          throw new Error(`answered ${res.status} ${res.body.code}`);
        },
      },
      {
        name: 'never reached',
        async run() {
          ran.push('never reached');
        },
      },
    ];
    const lines: string[] = [];
    const result = await runStages(stages, createDemoContext(`${stack.baseUrl}/`), (line) => lines.push(line));
    expect(lines.slice(0, 2)).toEqual(['✓ tracks listed', '✓ first track read']);
    expect(lines[2]).toMatch(/^✗ unknown track read: answered 4\d\d (not_found|validation_failed)$/);
    expect(lines).toHaveLength(3);
    expect(ran).toEqual(['tracks listed', 'first track read', 'unknown track read']);
    expect(result.passed).toEqual(['tracks listed', 'first track read']);
    expect(result.failed?.stage).toBe('unknown track read');
  });

  it('sends JSON bodies and bearer tokens, and reads problem+json answers', async () => {
    const ctx = createDemoContext(stack.baseUrl);
    const res = await ctx.request('POST', '/api/tracks', {
      token: 'not-a-session',
      body: { hostile: "'; DROP TABLE users;--" },
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(typeof res.body.code).toBe('string');
  });

  it('waits for a condition, or fails naming what it waited for', async () => {
    const ctx = createDemoContext(stack.baseUrl);
    let polls = 0;
    await expect(ctx.waitFor('third poll', async () => (++polls >= 3 ? polls : undefined), 10_000)).resolves.toBe(3);
    await expect(ctx.waitFor('the impossible', async () => undefined, 300)).rejects.toThrow(
      /waiting for the impossible/,
    );
  });

  it('loads the stage modules in order and skips only absent files', async () => {
    const loaded = await loadStageModules(['accounts', 'no-such-module']);
    expect(loaded.map((m) => m.module)).toEqual(['accounts']);
    expect(loaded[0]!.stages.map((s) => s.name)).toEqual([
      'signed up with consent',
      'logged in',
      'profile read',
      'email verified',
      'admin signed in',
    ]);
  });
});

describe('npm run demo against a stack', () => {
  it('drives one student through every stage, or stops at the first missing one', async () => {
    const openapi = await stack.http.get('/api/openapi.json');
    const accountsExist = '/api/auth/signup' in (openapi.body.paths ?? {});
    const demo = runScript('scripts/demo.ts', {
      ...process.env,
      BASE_URL: stack.baseUrl,
      DATABASE_URL: stack.db.url,
      DATA_DIR: stack.config.DATA_DIR,
    });
    const { code } = await demo.exited;
    const output = demo.output();
    if (accountsExist) {
      expect(output, output).toContain('✓ signed up with consent\n✓ logged in\n✓ profile read\n✓ email verified\n');
      expect(output).toMatch(/All \d+ stages passed/);
      expect(output).toContain('✓ track completed\n✓ certificate verified\n');
      expect(output).toMatch(/^✓ data exported\n/m);
      expect(output).toMatch(/^✓ account deleted\n/m);
      expect(code).toBe(0);
    } else {
      // Until the accounts routes land, the journey must fail loudly at its first stage.
      expect(output).toMatch(/^✗ signed up with consent: /m);
      expect(output).not.toContain('✓');
      expect(code).toBe(1);
    }
  }, 120_000);

  it('exits non-zero when no stack answers', async () => {
    const demo = runScript('scripts/demo.ts', { ...process.env, BASE_URL: 'http://127.0.0.1:9' });
    const { code } = await demo.exited;
    expect(code).toBe(1);
    expect(demo.output()).toMatch(/✗ stack reachable at http:\/\/127\.0\.0\.1:9/);
  });
});
