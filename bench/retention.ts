import { createFreshDatabase } from '../scripts/lib/local-stack';
import type { Knex } from '../lib/db/knex';
import { findPolicy } from '../lib/retention/policies';
import type { DeletionPolicy, RetentionContext } from '../lib/retention/policy';
import { cutoff, DEFAULT_RETENTION_SETTINGS } from '../lib/retention/policy';
import { runDeletion } from '../lib/retention/run-deletion';
import type { Bench } from './types';

/**
 * `npm run bench -- retention`: the audit-log policy removes 1,000,000 expired rows among
 * 1,100,000 (interleaved with fresh ones), against one plain DELETE of the same rows in
 * the same run. A writer inserts audit rows throughout; its longest wait is reported
 * for both. Sizes: BENCH_RETENTION_EXPIRED, BENCH_RETENTION_FRESH.
 */
const EXPIRED = Number(process.env.BENCH_RETENTION_EXPIRED ?? 1_000_000);
const FRESH = Number(process.env.BENCH_RETENTION_FRESH ?? 100_000);

const ctx: RetentionContext = {
  asOf: new Date(),
  settings: DEFAULT_RETENTION_SETTINGS,
};

async function fill(knex: Knex): Promise<void> {
  await knex.raw('TRUNCATE audit_logs');
  const total = EXPIRED + FRESH;
  // Every k-th row is fresh, so expired and fresh rows share pages, as in a real log.
  await knex.raw(
    `INSERT INTO audit_logs (action, resource, timestamp, details)
     SELECT 'bench.event', 'resource', CASE WHEN i % ? = 0 THEN now() - interval '1 day' ELSE now() - interval '100 days' END,
            '{"n":1}'::jsonb
     FROM generate_series(1, ?) AS i`,
    [Math.round(total / FRESH), total],
  );
  await knex.raw('VACUUM ANALYZE audit_logs');
}

/** Inserts an audit row every 10 ms until stopped; returns the longest single insert. */
function concurrentWriter(knex: Knex) {
  let stop = false;
  let longest = 0;
  let writes = 0;
  const done = (async () => {
    while (!stop) {
      const t0 = performance.now();
      await knex('auditLogs').insert({ action: 'bench.writer', timestamp: new Date() });
      longest = Math.max(longest, performance.now() - t0);
      writes += 1;
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  return {
    async stop() {
      stop = true;
      await done;
      return { longest, writes };
    },
  };
}

const bench: Bench = async ({ report }) => {
  const db = await createFreshDatabase(undefined, 4);
  const { knex } = db;
  try {
    const expiredCount = async () =>
      Number(
        (
          (await knex('auditLogs')
            .where('timestamp', '<', cutoff(ctx.asOf, ctx.settings.RETENTION_AUDIT_LOGS))
            .count({ n: '*' })) as [{ n: number }]
        )[0].n,
      );

    await fill(knex);
    let writer = concurrentWriter(knex);
    let t0 = performance.now();
    await knex.raw('DELETE FROM audit_logs WHERE timestamp < ?', [cutoff(ctx.asOf, ctx.settings.RETENTION_AUDIT_LOGS)]);
    const plainMs = performance.now() - t0;
    const plainWriter = await writer.stop();
    if ((await expiredCount()) !== 0) throw new Error('the plain DELETE left expired rows');

    await fill(knex);
    writer = concurrentWriter(knex);
    t0 = performance.now();
    const progress = await runDeletion(
      knex,
      findPolicy('audit-logs') as DeletionPolicy,
      ctx,
      { cursor: null },
      process.env.BENCH_RETENTION_VERBOSE
        ? (p) => process.stderr.write(`batch ${p.batches}: ${p.handled} rows, ${Math.round(p.durationMs)} ms\n`)
        : undefined,
      {
        budgetMs: Number.POSITIVE_INFINITY,
      },
    );
    const batchedMs = performance.now() - t0;
    const batchedWriter = await writer.stop();
    if (progress.handled !== EXPIRED || (await expiredCount()) !== 0)
      throw new Error(`the policy removed ${progress.handled} of ${EXPIRED} expired rows`);

    report('retention_rows_removed', progress.handled, 'rows');
    report('retention_total', Math.round(batchedMs), 'ms');
    report('retention_batches', progress.batches, 'batches');
    report('retention_longest_statement', Math.round(progress.longestStatementMs), 'ms');
    report('retention_writer_longest_wait', Math.round(batchedWriter.longest), 'ms');
    report('retention_writer_inserts', batchedWriter.writes, 'inserts');
    report('plain_delete_total', Math.round(plainMs), 'ms');
    report('plain_delete_writer_longest_wait', Math.round(plainWriter.longest), 'ms');
    report('retention_speed_vs_plain_delete', Number((plainMs / batchedMs).toFixed(2)), 'x');
  } finally {
    await db.drop();
  }
};

export default bench;
