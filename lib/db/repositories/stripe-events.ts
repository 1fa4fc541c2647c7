import type { Db } from '../knex';

export interface StripeEventRow {
  id: string;
  type: string;
  objectId: string | null;
  receivedAt: Date;
  processedAt: Date | null;
  outcome: StripeEventOutcome | null;
}

/** What Cohort did with a processed event (see migration 20261129004100). */
export type StripeEventOutcome = 'routed' | 'ignored' | 'unknown-payment';

/** Stripe event ids (ids only, never payloads), so each event is acted on once. */
export const stripeEventsRepo = {
  /** True when the event is new; false when its id was stored before. */
  async insertOnce(db: Db, event: { id: string; type: string; objectId: string }): Promise<boolean> {
    const [fresh] = await db('stripeEvents').insert(event).onConflict('id').ignore().returning('id');
    return Boolean(fresh);
  },

  find: (db: Db, id: string): Promise<StripeEventRow | undefined> => db('stripeEvents').where({ id }).first(),

  async markProcessed(db: Db, id: string, outcome: StripeEventOutcome): Promise<void> {
    await db('stripeEvents').where({ id }).update({ processedAt: db.fn.now(), outcome });
  },
};
