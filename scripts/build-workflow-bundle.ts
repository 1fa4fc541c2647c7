import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { buildWorkflowBundle } from '../worker/worker';
import { PROJECT_ROOT } from './lib/tools';

/**
 * `npm run build`: the workflow bundle the production worker loads (WORKFLOW_BUNDLE_PATH),
 * built once here so a bad import in workflows/ fails the build, not a worker at start,
 * and every worker of a release runs byte-identical workflow code.
 */
const out = resolve(PROJECT_ROOT, process.argv[2] ?? 'dist/workflow-bundle.js');
const bundle = await buildWorkflowBundle();
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, bundle.code);
process.stdout.write(`workflow bundle → ${out} (${Math.round(bundle.code.length / 1024)} KiB)\n`);
