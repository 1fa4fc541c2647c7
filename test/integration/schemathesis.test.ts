import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTool } from '../../scripts/lib/tools';
import { startPaymentsStack, type PaymentsStack } from '../helpers/payments';
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

/** Runs schemathesis (from .tools/) against the stack; resolves with its exit code and output. */
function schemathesis(
  args: string[],
  cwd: string,
  timeoutMs: number,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(requireTool('st'), args, {
      cwd,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

const CONTROL_CHARACTERS = String.raw`\x00-\x1F\x7F-\x9F`; // exactly Unicode's Cc category

/**
 * Our patterns are ECMAScript regexes in unicode mode; schemathesis compiles them with
 * Python's `re`, which has no `\p{…}`. `\p{Cc}` translates exactly; a pattern with any
 * other property escape is dropped (the server still enforces it).
 */
function translatePattern(pattern: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      if (pattern.startsWith('\\p{Cc}', i)) {
        out += inClass ? CONTROL_CHARACTERS : `[${CONTROL_CHARACTERS}]`;
        i += '\\p{Cc}'.length - 1;
      } else {
        out += c + (pattern[i + 1] ?? '');
        i += 1;
      }
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    out += c;
  }
  return out;
}

function toPythonPatterns(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toPythonPatterns);
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'pattern' && typeof value === 'string') {
      const translated = translatePattern(value);
      if (!translated.includes('\\p{')) out[key] = translated;
    } else {
      out[key] = toPythonPatterns(value);
    }
  }
  return out;
}

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
    const document = toPythonPatterns((await stack.http.get('/api/openapi.json')).body);
    const dir = mkdtempSync(join(tmpdir(), 'cohort-schemathesis-'));
    const schemaFile = join(dir, 'openapi.json');
    writeFileSync(schemaFile, JSON.stringify(document));
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
