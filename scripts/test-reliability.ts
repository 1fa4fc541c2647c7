/**
 * `npm run test:reliability`: runs the reliability suite (vitest.reliability.config.ts)
 * and prints its figures as the last lines, whatever the outcome; exits with vitest's code.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { FIGURES_DIR, formatFigures, readFigures } from '../test/reliability/figures';

rmSync(FIGURES_DIR, { recursive: true, force: true });
const result = spawnSync(
  'npx',
  ['vitest', 'run', '--config', 'vitest.reliability.config.ts', ...process.argv.slice(2)],
  { stdio: 'inherit' },
);
console.log('\n== reliability figures');
for (const line of formatFigures(readFigures())) console.log(line);
process.exit(result.status ?? 1);
