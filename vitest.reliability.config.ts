import { defineConfig } from 'vitest/config';

/**
 * `npm run test:reliability`: chaos, dependency outages, API fuzzing per role, the
 * authorization matrix and security checks. One file at a time: the chaos and outage
 * files kill and restart processes and would disturb each other. Each file records its
 * figures through test/reliability/figures.ts; scripts/test-reliability.ts prints them.
 */
export default defineConfig({
  test: {
    pool: 'forks',
    globalSetup: ['./test/global-setup.ts'],
    include: ['test/reliability/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    maxWorkers: 1,
    fileParallelism: false,
  },
});
