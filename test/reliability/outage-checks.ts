import type { Client } from '@temporalio/client';
import type { Knex } from '../../lib/db/knex';
import { CohortPhase } from '../../lib/temporal/search-attributes';
import type { StripeStandin } from '../../scripts/stripe-standin/index';
import type { FakePostmark } from '../fakes/postmark';
import type { FakeSlack } from '../fakes/slack';
import { countEffects, slackReposts, type LedgerPerson } from './ledger';

/** What the outages file checks after each scenario: the chaos ledger's counts, plus the workflows' outcomes. */
export interface EffectsReport {
  workflowsStarted: number;
  workflowsCompleted: number;
  /** Workflow ids not (yet) completed, with their status. */
  unfinished: string[];
  /** Each ledger line that landed more or less often than it should. */
  problems: string[];
  duplicateEffects: number;
  /** Slack posts beyond the first of each text (at-least-once by nature, reported apart). */
  slackReposts: number;
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

/** The students who paid for `track`, counted by the ledger (test/reliability/ledger.ts). */
export async function checkEffects(input: {
  client: Client;
  knex: Knex;
  postmark: FakePostmark;
  standin: StripeStandin;
  slack: FakeSlack;
  students: LedgerPerson[];
  track: string;
}): Promise<EffectsReport> {
  const { started, unfinished } = await workflowOutcomes(input.client);
  const ledger = await countEffects(
    { knex: input.knex, postmark: input.postmark, standin: input.standin },
    { onboarded: { people: input.students, track: input.track } },
  );
  return {
    workflowsStarted: started,
    workflowsCompleted: started - unfinished.length,
    unfinished,
    problems: [...ledger.duplicates, ...ledger.missing].map((l) => `${l.effect} ${l.subject}: ${l.count}`),
    duplicateEffects: ledger.duplicateEffects,
    slackReposts: slackReposts(input.slack.messages),
  };
}
