import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import type { Knex } from '../lib/db/knex';
import { createFreshDatabase } from '../scripts/lib/local-stack';
import { createTestUser, enrollStudent } from '../scripts/lib/fixtures';
import type { Bench } from './types';

/*
 * A typical student's history after a bootcamp, roughly: a few hundred audit entries,
 * dozens of emails (a few kilobytes of body each), a few dozen submissions.
 */
const TYPICAL = {
  auditLogs: Number(process.env.BENCH_EXPORT_AUDIT ?? 300),
  emails: Number(process.env.BENCH_EXPORT_EMAILS ?? 60),
  submissions: Number(process.env.BENCH_EXPORT_SUBMISSIONS ?? 30),
};
const SIZES = [10, 100];
const CHILD = resolve(import.meta.dirname, 'support', 'export-child.ts');

const BODY = `<p>${'Your submission was reviewed; the notes follow. '.repeat(60)}</p>`;

async function insertMany(knex: Knex, table: string, rows: Record<string, unknown>[]) {
  for (let i = 0; i < rows.length; i += 1000) await knex(table).insert(rows.slice(i, i + 1000));
}

/** A student with `times` × a typical history. */
async function studentWith(knex: Knex, times: number): Promise<string> {
  const { user } = await createTestUser(knex, { fullName: `Bench Student ${times}x` });
  const trainer = await createTestUser(knex, { role: 'trainer' });
  const { firstProjectId } = await enrollStudent(knex, { userId: user.id, trainerUserId: trainer.user.id });
  const deliverable = await knex('deliverables')
    .join('steps', 'steps.id', 'deliverables.stepId')
    .where('steps.projectId', firstProjectId)
    .first('deliverables.id');
  const userId = user.id;
  await insertMany(
    knex,
    'auditLogs',
    Array.from({ length: TYPICAL.auditLogs * times }, (_, i) => ({
      userId,
      actorId: userId,
      action: 'auth.login',
      outcome: 'success',
      ipAddress: `198.51.100.${i % 250}`,
      details: JSON.stringify({ route: '/api/progress', n: i }),
    })),
  );
  await insertMany(
    knex,
    'emailMessages',
    Array.from({ length: TYPICAL.emails * times }, (_, i) => ({
      idempotencyKey: `bench:${userId}:${i}`,
      userId,
      toAddress: `bench-${times}@example.test`,
      template: 'feedback-available',
      subject: `Feedback ${i}`,
      htmlBody: BODY,
      textBody: BODY,
      status: 'SENT',
    })),
  );
  await insertMany(
    knex,
    'submissions',
    Array.from({ length: TYPICAL.submissions * times }, (_, i) => ({
      userId,
      projectId: firstProjectId,
      deliverableId: deliverable.id,
      repoUrl: `https://github.com/bench-${times}/attempt-${i}`,
      notes: `Attempt ${i}: ${'notes '.repeat(40)}`,
    })),
  );
  return userId;
}

interface ChildResult {
  ms: number;
  bytes: number;
  rows: number;
  maxRssKb: number;
}

/** One export in a fresh process, so its peak RSS is that export's. */
function exportInChild(url: string, userId: string): ChildResult {
  const run = spawnSync(process.execPath, [...process.execArgv, CHILD, url, userId], {
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (run.status !== 0) throw new Error(`export child failed: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').pop()!) as ChildResult;
}

/**
 * Export time and peak RSS for students with 10× and 100× a typical history, each export
 * in its own process (process.resourceUsage().maxRSS), and the ratio of the peaks. The
 * archive streams from cursors into the blob store, so the goal is a peak at 100× no more
 * than 1.2× that at 10×.
 */
const bench: Bench = async (ctx) => {
  const db = await createFreshDatabase(undefined, 4);
  try {
    const results: Record<number, ChildResult> = {};
    for (const times of SIZES) {
      const userId = await studentWith(db.knex, times);
      results[times] = exportInChild(db.url, userId);
      const r = results[times];
      ctx.report(`export_${times}x_rows`, r.rows, 'rows');
      ctx.report(`export_${times}x_archive`, Number((r.bytes / 1_048_576).toFixed(2)), 'MiB');
      ctx.report(`export_${times}x_time`, Math.round(r.ms), 'ms');
      ctx.report(`export_${times}x_peak_rss`, Number((r.maxRssKb / 1024).toFixed(1)), 'MiB');
    }
    // The 10× export is the baseline: the goal is a ratio of at most 1.2.
    const ratio = (a: number, b: number) => Number((a / b).toFixed(3));
    ctx.report('export_peak_rss_100x_vs_10x', ratio(results[100]!.maxRssKb, results[10]!.maxRssKb), 'x');
    ctx.report('export_time_100x_vs_10x', ratio(results[100]!.ms, results[10]!.ms), 'x');
  } finally {
    await db.drop();
  }
};

export default bench;
