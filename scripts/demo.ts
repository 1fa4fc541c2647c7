import { createDemoContext, loadStageModules, runStages } from './demo/runner';

/**
 * `npm run demo`: one student through everything that exists, over HTTP against a
 * running stack (BASE_URL, default http://localhost:3000). A ✓ line per stage; exits
 * non-zero on the first failure.
 */
const baseUrl = process.env.BASE_URL ?? 'http://localhost:3000';
const print = (line: string) => process.stdout.write(`${line}\n`);

try {
  const health = await fetch(`${baseUrl.replace(/\/+$/, '')}/healthz`, { signal: AbortSignal.timeout(5_000) });
  if (!health.ok) throw new Error(`/healthz answered ${health.status}`);
} catch (error) {
  print(`✗ stack reachable at ${baseUrl}: ${(error as Error).message} (start it with \`npm start\`)`);
  process.exit(1);
}

const modules = await loadStageModules();
print(`Demo against ${baseUrl} (${modules.map((m) => m.module).join(', ')})`);
const result = await runStages(
  modules.flatMap((m) => m.stages),
  createDemoContext(baseUrl),
  print,
);
if (result.failed) process.exit(1);
print(`All ${result.passed.length} stages passed.`);
