import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, inject, it } from 'vitest';
import { Worker } from '@temporalio/worker';
import { cohortDataConverter } from '../../lib/temporal-codec/index';
import { PROJECT_ROOT } from '../../scripts/lib/tools';
import { buildWorkflowBundle } from '../../worker/worker';
import { installTestRuntime } from '../helpers/stack';

const dir = join(PROJECT_ROOT, 'test', 'histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

/**
 * Histories recorded from real runs (`npm run record-histories` after `npm run demo`)
 * must replay on today's workflow code: a change of command order without `patched()`
 * fails here instead of in production.
 */
it('replays every recorded history on the current workflow code', async () => {
  installTestRuntime();
  expect(files.length).toBeGreaterThanOrEqual(3);
  const histories = files.map((file) => ({
    workflowId: file,
    history: JSON.parse(readFileSync(join(dir, file), 'utf8')) as unknown,
  }));
  const failures: string[] = [];
  // The replayer decodes as the worker does; recorded histories are stored decoded and pass through.
  const dataConverter = cohortDataConverter({
    COHORT_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    COHORT_PREVIOUS_ENCRYPTION_KEYS: [],
  });
  for await (const result of Worker.runReplayHistories(
    { workflowBundle: { codePath: inject('workflowBundlePath') }, dataConverter },
    histories,
  )) {
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  expect(failures).toEqual([]);
});

/** The guard itself: a reordered review without `patched()` (a fixture) must fail every review history. */
it('fails the replay of recorded reviews on a deliberately reordered review workflow', async () => {
  installTestRuntime();
  const bundle = await buildWorkflowBundle(join(PROJECT_ROOT, 'test', 'fixtures', 'replay', 'review-reordered.ts'));
  const reviews = files.filter((f) => f.startsWith('review-'));
  expect(reviews.length).toBeGreaterThan(0);
  const results: Array<{ workflowId: string; error?: Error }> = [];
  for await (const result of Worker.runReplayHistories(
    { workflowBundle: { code: bundle.code } },
    reviews.map((file) => ({
      workflowId: file,
      history: JSON.parse(readFileSync(join(dir, file), 'utf8')) as unknown,
    })),
  ))
    results.push(result);
  expect(results.map((r) => r.workflowId).sort()).toEqual([...reviews].sort());
  for (const r of results) expect(r.error?.name, r.workflowId).toBe('DeterminismViolationError');
}, 120_000);
