import type { Db } from '../knex';

export interface PaymentRow {
  id: string;
  userId: string | null;
  enrollmentId: string | null;
  trackCode: string;
  stripeCheckoutSessionId: string;
  stripePaymentIntentId: string | null;
  amountCents: number;
  currency: string;
  status: 'PAID' | 'REFUNDED' | 'DISPUTED';
  paidAt: Date;
  refundedAt: Date | null;
  stripeRefundId: string | null;
  disputedAt: Date | null;
}

export const paymentsRepo = {
  /** One row per checkout session, however often it is recorded. */
  async record(
    db: Db,
    payment: Pick<
      PaymentRow,
      | 'userId'
      | 'enrollmentId'
      | 'trackCode'
      | 'stripeCheckoutSessionId'
      | 'stripePaymentIntentId'
      | 'amountCents'
      | 'currency'
    >,
  ): Promise<PaymentRow> {
    await db('payments').insert(payment).onConflict('stripeCheckoutSessionId').ignore();
    return db('payments').where({ stripeCheckoutSessionId: payment.stripeCheckoutSessionId }).first();
  },

  async byId(db: Db, id: string): Promise<PaymentRow | undefined> {
    return db('payments').where({ id }).first();
  },

  async byPaymentIntent(db: Db, paymentIntentId: string): Promise<PaymentRow | undefined> {
    return db('payments').where({ stripePaymentIntentId: paymentIntentId }).first();
  },

  async markRefunded(db: Db, id: string, refundId: string | null): Promise<void> {
    await db('payments')
      .where({ id })
      .update({
        status: 'REFUNDED',
        refundedAt: db.raw('COALESCE(refunded_at, now())'),
        stripeRefundId: db.raw('COALESCE(stripe_refund_id, ?)', [refundId]),
        updatedAt: db.fn.now(),
      });
  },

  async markDisputed(db: Db, id: string): Promise<void> {
    await db('payments')
      .where({ id })
      .whereNot({ status: 'REFUNDED' })
      .update({ status: 'DISPUTED', disputedAt: db.raw('COALESCE(disputed_at, now())'), updatedAt: db.fn.now() });
  },
};
