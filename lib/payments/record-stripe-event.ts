import type { Db } from '../db/knex';
import { stripeEventsRepo } from '../db/repositories/stripe-events';

/**
 * Stores a Stripe event's id once. `processed` says it was acted on before (a duplicate
 * delivery); an id stored but not processed is a crash mid-way, to be routed again.
 */
export async function recordStripeEvent(
  db: Db,
  event: { id: string; type: string; objectId: string },
): Promise<{ processed: boolean }> {
  if (await stripeEventsRepo.insertOnce(db, event)) return { processed: false };
  const seen = await stripeEventsRepo.find(db, event.id);
  return { processed: Boolean(seen?.processedAt) };
}
