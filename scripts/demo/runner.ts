import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { DemoContext, DemoStage } from './types';

/** The stage modules, in journey order; each exports `stages: DemoStage[]`. */
export const DEMO_MODULES = ['accounts', 'payments', 'learning', 'certificates', 'privacy', 'compliance', 'operations'];

export function createDemoContext(baseUrl: string): DemoContext {
  const root = baseUrl.replace(/\/+$/, '');
  return {
    baseUrl: root,
    state: {},
    async request(method, path, options = {}) {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      if (options.body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(`${root}${path}`, {
        method,
        headers,
        redirect: 'manual',
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await res.text();
      let body: unknown = text;
      if (/json/.test(res.headers.get('content-type') ?? '') && text) body = JSON.parse(text);
      return { status: res.status, body };
    },
    async waitFor(what, check, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = await check();
        if (value !== undefined) return value;
        if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    },
  };
}

/** Loads the stage lists in order; a module is skipped only when its file does not exist. */
export async function loadStageModules(
  names: string[] = DEMO_MODULES,
  dir = import.meta.dirname,
): Promise<{ module: string; stages: DemoStage[] }[]> {
  const loaded: { module: string; stages: DemoStage[] }[] = [];
  for (const module of names) {
    const file = resolve(dir, `${module}.ts`);
    if (!existsSync(file)) continue;
    const { stages } = (await import(file)) as { stages?: DemoStage[] };
    if (!Array.isArray(stages)) throw new Error(`scripts/demo/${module}.ts exports no \`stages\` list`);
    loaded.push({ module, stages });
  }
  return loaded;
}

export interface DemoResult {
  passed: string[];
  failed?: { stage: string; error: Error };
}

/** Runs stages in order, printing ✓ per stage; stops at the first failure. */
export async function runStages(
  stages: DemoStage[],
  ctx: DemoContext,
  print: (line: string) => void,
): Promise<DemoResult> {
  const passed: string[] = [];
  ctx.note ??= (line) => print(`    ${line}`);
  for (const stage of stages) {
    try {
      await stage.run(ctx);
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      print(`✗ ${stage.name}: ${err.message}`);
      return { passed, failed: { stage: stage.name, error: err } };
    }
    passed.push(stage.name);
    print(`✓ ${stage.name}`);
  }
  return { passed };
}

/** Throws a readable error unless the answer has the expected status (or one of them). */
export function expectStatus(res: { status: number; body: any }, expected: number | number[], what: string): void {
  const statuses = Array.isArray(expected) ? expected : [expected];
  if (statuses.includes(res.status)) return;
  const detail =
    typeof res.body === 'object' && res.body
      ? `${res.body.code ?? ''} ${res.body.detail ?? ''}`.trim()
      : String(res.body).slice(0, 200);
  throw new Error(`${what}: expected ${statuses.join(' or ')}, got ${res.status}${detail ? ` (${detail})` : ''}`);
}

/** The student the accounts stage signed in (`studentToken`, or its `token`). */
export function studentToken(ctx: DemoContext): string {
  const token = ctx.state.studentToken ?? ctx.state.token;
  if (!token) throw new Error('no student token in the demo state (studentToken or token)');
  return token;
}

/** Who reviews: the trainer, else the admin (an admin may review any submission). */
export function reviewerToken(ctx: DemoContext): string {
  const token = ctx.state.trainerToken ?? ctx.state.adminToken;
  if (!token) throw new Error('no reviewer token in the demo state (trainerToken or adminToken)');
  return token;
}
