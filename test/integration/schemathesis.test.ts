import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTool } from '../../scripts/lib/tools';
import { startStack, type TestStack } from '../helpers/stack';

let stack: TestStack;
beforeAll(async () => { stack = await startStack(); });
afterAll(async () => { await stack?.close(); });

/** Runs schemathesis (from .tools/) against the stack; resolves with its exit code and output. */
function schemathesis(args: string[], timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(requireTool('st'), args, { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => { clearTimeout(timer); resolve({ code, output }); });
  });
}

describe('schemathesis against the OpenAPI document', () => {
  it('finds no server error in generated requests (bounded run)', async () => {
    const { code, output } = await schemathesis([
      'run', `${stack.baseUrl}/api/openapi.json`, '--url', stack.baseUrl,
      '--checks', 'not_a_server_error', '--max-examples', '10', '--workers', '1',
    ], 90_000);
    expect(output, output).toMatch(/No issues found/);
    expect(code).toBe(0);
  }, 120_000);
});
