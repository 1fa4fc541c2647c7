import type { Client } from '@temporalio/client';
import type { Knex } from '../../lib/db/knex';
import { CohortPhase } from '../../lib/temporal/search-attributes';
import type { StandinControls } from '../../scripts/stripe-standin/index';
import type { FakePostmark } from '../fakes/postmark';
import type { FakeSlack } from '../fakes/slack';

/** What the outages file checks after each scenario: a small ledger of effects per student. */
export interface EffectsReport {
  workflowsStarted: number;
  workflowsCompleted: number;
  /** Workflow ids not (yet) completed, with their status. */
  unfinished: string[];
  /** Each effect that happened more than once (or, for a student's must-haves, not once). */
  problems: string[];
  duplicateEffects: number;
}

/**
 * Every workflow on the (private) Temporal server, and whether it finished: completed, or an
 * onboarding that enrolled its student with nothing left to do but watch 120 days for a
 * refund or dispute (its CohortPhase ENROLLED and no activity pending).
 */
async function workflowOutcomes(client: Client) {
  let started = 0;
  const unfinished: string[] = [];
  for await (const w of client.workflow.list()) {
    started += 1;
    if (w.status.name === 'COMPLETED') continue;
    if (w.status.name === 'RUNNING' && w.typedSearchAttributes.get(CohortPhase) === 'ENROLLED') {
      const described = await client.workflow.getHandle(w.workflowId, w.runId).describe();
      if ((described.raw.pendingActivities ?? []).length === 0) continue;
    }
    unfinished.push(`${w.workflowId} ${w.status.name}`);
  }
  return { started, unfinished };
}

const tally = (keys: string[]) => {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
};

/**
 * Counts, for the students given: payment rows, enrollments, welcome emails as Postmark
 * received them, Checkout Sessions and refunds at the Stripe stand-in; and, over
 * everything, emails Postmark received twice under one idempotency key and identical Slack
 * posts. `duplicateEffects` counts only effects that happened more than once.
 */
export async function checkEffects(input: {
  client: Client;
  knex: Knex;
  postmark: FakePostmark;
  stripe: StandinControls;
  slack: FakeSlack;
  students: { id: string; email: string }[];
}): Promise<EffectsReport> {
  const { started, unfinished } = await workflowOutcomes(input.client);
  const problems: string[] = [];
  let duplicateEffects = 0;
  const expectOne = (what: string, n: number) => {
    if (n === 1) return;
    problems.push(`${what}: ${n}`);
    if (n > 1) duplicateEffects += n - 1;
  };

  const header = (m: FakePostmark['messages'][number]) =>
    m.Headers?.find((h) => h.Name === 'X-Cohort-Idempotency-Key')?.Value ?? '';
  for (const [key, n] of tally(input.postmark.messages.map((m) => `${m.Tag} ${m.To} ${header(m)}`)))
    if (n > 1) expectOne(`email ${key}`, n);
  for (const [text, n] of tally(input.slack.messages)) if (n > 1) expectOne(`slack post "${text}"`, n);
  const refunds = input.stripe.refunds();
  if (refunds.length > 0) problems.push(`refunds: ${refunds.length}`);
  duplicateEffects += refunds.length;

  const sessions = input.stripe.sessions();
  for (const s of input.students) {
    const payments = await input.knex('payments').where({ userId: s.id }).count<{ n: number }[]>({ n: '*' });
    expectOne(`payments of ${s.id}`, Number(payments[0]!.n));
    const enrolled = await input
      .knex('enrollments')
      .where({ userId: s.id, status: 'ENROLLED' })
      .count<{ n: number }[]>({ n: '*' });
    expectOne(`enrollments of ${s.id}`, Number(enrolled[0]!.n));
    expectOne(
      `welcome emails to ${s.id}`,
      input.postmark.messages.filter((m) => m.Tag === 'welcome' && m.To.includes(s.email)).length,
    );
    expectOne(
      `checkout sessions of ${s.id}`,
      sessions.filter((x) => (x.metadata as Record<string, string> | undefined)?.userId === s.id).length,
    );
  }
  return {
    workflowsStarted: started,
    workflowsCompleted: started - unfinished.length,
    unfinished,
    problems,
    duplicateEffects,
  };
}
