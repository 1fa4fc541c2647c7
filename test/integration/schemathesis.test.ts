import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPaymentsStack, type PaymentsStack } from '../helpers/payments';
import { CONTROL_CHARACTERS, schemathesis, toPythonPatterns, writeSchemathesisSchema } from '../helpers/schemathesis';
import type { TestStack } from '../helpers/stack';
import { createTestUser } from '../helpers/users';

// Payments configured (the Stripe stand-in), so the webhook answers as in production.
let payments: PaymentsStack;
let stack: TestStack;
beforeAll(async () => {
  payments = await startPaymentsStack();
  stack = payments.stack;
});
afterAll(async () => {
  await payments?.close();
});

describe('schemathesis against the OpenAPI document', () => {
  it('translates unicode property escapes for Python', () => {
    expect(
      toPythonPatterns({
        a: { pattern: '^[^\\p{Cc}]*$' },
        b: [{ pattern: '^\\p{Cc}\\[x]$' }],
        c: { pattern: '^\\p{L}+$', type: 'string' },
        d: { pattern: '^[a-z]+$' },
      }),
    ).toEqual({
      a: { pattern: `^[^${CONTROL_CHARACTERS}]*$` },
      b: [{ pattern: `^[${CONTROL_CHARACTERS}]\\[x]$` }],
      c: { type: 'string' },
      d: { pattern: '^[a-z]+$' },
    });
    expect(new RegExp(`^[^${CONTROL_CHARACTERS}]*$`).test('ok é ✓')).toBe(true);
    expect(new RegExp(`^[^${CONTROL_CHARACTERS}]*$`).test('bad\u0085')).toBe(false);
  });

  it('finds no server error in generated requests (bounded run)', async () => {
    const { dir, schemaFile } = await writeSchemathesisSchema(stack.http);
    // Signed in as a superadmin, so guarded operations reach their validation and logic.
    const { token } = await createTestUser(stack.knex, { role: 'superadmin' });
    const { code, output } = await schemathesis(
      [
        'run',
        schemaFile,
        '--url',
        stack.baseUrl,
        '--header',
        `Authorization: Bearer ${token}`,
        '--checks',
        'not_a_server_error',
        '--max-examples',
        '10',
        '--workers',
        '1',
        // Hypothesis health checks judge our schemas' generability, not the server.
        '--suppress-health-check',
        'all',
      ],
      dir,
      150_000,
    ); // run in the temp dir: its caches stay out of the repository
    rmSync(dir, { recursive: true, force: true });
    // Warnings (auth-only operations, 404s on made-up ids) are fine; a failure is not.
    expect(code, output).toBe(0);
    expect(output).toMatch(/(\d+) generated, \1 passed/);
    expect(output).not.toMatch(/Server error|Failures:/);
  }, 180_000);
});
