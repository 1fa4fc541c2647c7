import type { Knex } from '../../lib/db/knex';
import type { StripeStandin } from '../../scripts/stripe-standin/index';
import type { FakePostmark, PostmarkReceived } from '../fakes/postmark';

/** A person a journey was driven for: the effects are counted per person. */
export interface LedgerPerson {
  userId: string;
  email: string;
}

/** Who went through which journey (a person may appear in several). */
export interface LedgerJourneys {
  /** Signed up, checked out and paid for `track`. */
  onboarded?: { people: LedgerPerson[]; track: string };
  /** Asked for their account's deletion. */
  erased?: LedgerPerson[];
  /** Asked for a data export. */
  exported?: LedgerPerson[];
  /** Eligible, asked for the certificate of `track`. */
  certified?: { people: LedgerPerson[]; track: string };
}

export interface LedgerSources {
  knex: Knex;
  postmark: FakePostmark;
  standin?: StripeStandin;
}

/** One effect of one subject: how often it landed, and how often it should have. */
export interface LedgerLine {
  effect: string;
  subject: string;
  count: number;
  expected: number;
}

export interface TrainerLoad {
  trainerId: string;
  active: number;
  maxStudents: number;
}

export interface LedgerReport {
  lines: LedgerLine[];
  /** Lines that landed more often than expected. */
  duplicates: LedgerLine[];
  /** Lines that landed less often than expected (something lost). */
  missing: LedgerLine[];
  /** Sum of the surplus over every line: the figure that must be 0. */
  duplicateEffects: number;
  trainers: TrainerLoad[];
  overCapacity: TrainerLoad[];
}

/** The idempotency key a message carried: Metadata (what Cohort searches by), else the header. */
export function postmarkKey(message: PostmarkReceived): string {
  return (
    message.Metadata?.cohort_key ??
    message.Headers?.find((h) => h.Name === 'X-Cohort-Idempotency-Key')?.Value ??
    `(no key) ${message.Subject}`
  );
}

const countBy = <T>(items: T[], key: (item: T) => string): Map<string, number> => {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
};

async function countRows(knex: Knex, table: string, userIds: string[], where: (q: Knex.QueryBuilder) => void) {
  if (userIds.length === 0) return new Map<string, number>();
  const rows: { userId: string; n: string }[] = await knex(table)
    .whereIn('userId', userIds)
    .modify(where)
    .groupBy('userId')
    .select('userId')
    .count({ n: '*' });
  return new Map(rows.map((r) => [r.userId, Number(r.n)]));
}

/**
 * Counts every effect of the journeys where it lands (the database, Postmark, the Stripe
 * stand-in) and sets it against what each person should have: exactly one payment, one
 * enrollment with a trainer, one paid session, one welcome email, one certificate, one
 * export, one erasure, and no refund; and each Postmark message (template, recipient,
 * idempotency key) once. Also the trainers' loads against their capacity.
 */
export async function countEffects(sources: LedgerSources, journeys: LedgerJourneys): Promise<LedgerReport> {
  const { knex, postmark, standin } = sources;
  const lines: LedgerLine[] = [];
  const expectEach = (effect: string, people: LedgerPerson[], counts: Map<string, number>, expected = 1) => {
    for (const p of people) lines.push({ effect, subject: p.userId, count: counts.get(p.userId) ?? 0, expected });
  };
  const messages = postmark.messages;
  const emailsTo = (template: string, people: LedgerPerson[]) => {
    const byAddress = countBy(
      messages.filter((m) => m.Tag === template),
      (m) => m.To,
    );
    expectEach(`email ${template}`, people, new Map(people.map((p) => [p.userId, byAddress.get(p.email) ?? 0])));
  };

  if (journeys.onboarded) {
    const { people, track } = journeys.onboarded;
    const ids = people.map((p) => p.userId);
    expectEach('payment', people, await countRows(knex, 'payments', ids, (q) => q.where({ trackCode: track })));
    expectEach(
      'enrollment ENROLLED with a trainer',
      people,
      await countRows(knex, 'enrollments', ids, (q) =>
        q.where({ trackCode: track, status: 'ENROLLED' }).whereNotNull('trainerId'),
      ),
    );
    emailsTo('welcome', people);
    if (standin) {
      const sessions = standin.controls.sessions();
      const paid = countBy(
        sessions.filter((s) => s.payment_status === 'paid'),
        (s) => String(s.client_reference_id),
      );
      expectEach('paid checkout session', people, paid);
      const owner = new Map(sessions.map((s) => [String(s.payment_intent), String(s.client_reference_id)]));
      const refunds = countBy(standin.controls.refunds(), (r) => owner.get(String(r.payment_intent)) ?? 'unknown');
      expectEach('refund', people, refunds, 0);
    }
  }
  if (journeys.certified) {
    const { people, track } = journeys.certified;
    const ids = people.map((p) => p.userId);
    expectEach(
      'certificate with its PDF',
      people,
      await countRows(knex, 'certificates', ids, (q) => q.where({ trackCode: track }).whereNotNull('pdfBlobKey')),
    );
    expectEach(
      'enrollment COMPLETED',
      people,
      await countRows(knex, 'enrollments', ids, (q) => q.where({ trackCode: track, status: 'COMPLETED' })),
    );
    emailsTo('certificate-issued', people);
  }
  if (journeys.exported) {
    const people = journeys.exported;
    expectEach(
      'export archive built',
      people,
      await countRows(
        knex,
        'dataExports',
        people.map((p) => p.userId),
        (q) => q.whereIn('status', ['READY', 'EXPIRED']),
      ),
    );
    emailsTo('data-export-ready', people);
  }
  if (journeys.erased) {
    const people = journeys.erased;
    const ids = people.map((p) => p.userId);
    expectEach(
      'erasure completed',
      people,
      await countRows(knex, 'deletionRequests', ids, (q) => q.where({ status: 'COMPLETED' })),
    );
    const anonymized: { id: string }[] = await knex('users')
      .whereIn('id', ids)
      .where({ anonymized: true })
      .select('id');
    expectEach(
      'user anonymized',
      people,
      countBy(anonymized, (u) => u.id),
    );
    emailsTo('deletion-scheduled', people);
    emailsTo('account-deleted', people);
  }
  // Any message at all, of any template: each (template, recipient, key) once.
  for (const [key, count] of countBy(messages, (m) => `${m.Tag ?? '-'} → ${m.To} [${postmarkKey(m)}]`))
    lines.push({ effect: 'postmark message', subject: key, count, expected: 1 });

  const loads = (await knex('trainers')
    .leftJoin('enrollments', (j) =>
      j.on('enrollments.trainerId', 'trainers.id').onVal('enrollments.status', 'ENROLLED'),
    )
    .groupBy('trainers.id', 'trainers.maxStudents')
    .select('trainers.id as trainerId', 'trainers.maxStudents')
    .count({ active: 'enrollments.id' })) as unknown as { trainerId: string; maxStudents: number; active: string }[];
  const trainers: TrainerLoad[] = loads.map((t) => ({
    trainerId: t.trainerId,
    maxStudents: Number(t.maxStudents),
    active: Number(t.active),
  }));

  const duplicates = lines.filter((l) => l.count > l.expected);
  return {
    lines,
    duplicates,
    missing: lines.filter((l) => l.count < l.expected),
    duplicateEffects: duplicates.reduce((sum, l) => sum + l.count - l.expected, 0),
    trainers,
    overCapacity: trainers.filter((t) => t.active > t.maxStudents),
  };
}

/**
 * Slack posts beyond the first of each text. An incoming webhook takes no idempotency key,
 * so an alert whose worker died after Slack took it but before the post was recorded is
 * posted again: at-least-once by nature, reported on its own rather than as a duplicate.
 */
export function slackReposts(texts: readonly string[]): number {
  let reposts = 0;
  for (const n of countBy([...texts], (t) => t).values()) reposts += n - 1;
  return reposts;
}
