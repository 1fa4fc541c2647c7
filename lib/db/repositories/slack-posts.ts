import type { Db } from '../knex';

export type SlackPostStatus = 'POSTING' | 'POSTED' | 'REJECTED';

/** What an attempt may do: post (it holds the claim), nothing (done before), or wait (another attempt posts). */
export type SlackPostClaim = 'claimed' | 'posted' | 'rejected' | 'busy';

const ERROR_LIMIT = 500;

/**
 * slack_posts: one row per alert idempotency key. An attempt claims the key for a lease
 * before it posts, so a retry that overlaps an attempt still waiting on Slack does not
 * post a second time, and a retry after Slack answered finds the post recorded.
 */
export const slackPostsRepo = {
  async claim(db: Db, idempotencyKey: string, kind: string, leaseMs: number): Promise<SlackPostClaim> {
    const claimedUntil = db.raw(`now() + ? * interval '1 millisecond'`, [leaseMs]);
    const claimed = await db('slackPosts')
      .insert({ idempotencyKey, kind, status: 'POSTING', attempts: 1, claimedUntil })
      .onConflict('idempotencyKey')
      .merge({
        attempts: db.raw('slack_posts.attempts + 1'),
        claimedUntil: db.raw('excluded.claimed_until'),
        updatedAt: db.fn.now(),
      })
      .where('slack_posts.status', 'POSTING')
      .where((q) => q.whereNull('slack_posts.claimed_until').orWhere('slack_posts.claimed_until', '<', db.fn.now()))
      .returning('idempotencyKey');
    if (claimed.length > 0) return 'claimed';
    const row: { status: SlackPostStatus } | undefined = await db('slackPosts')
      .where({ idempotencyKey })
      .first('status');
    if (row?.status === 'POSTED') return 'posted';
    if (row?.status === 'REJECTED') return 'rejected';
    return 'busy';
  },

  async markPosted(db: Db, idempotencyKey: string): Promise<void> {
    await db('slackPosts')
      .where({ idempotencyKey })
      .update({ status: 'POSTED', postedAt: db.fn.now(), claimedUntil: null, updatedAt: db.fn.now() });
  },

  /** Slack refused the post for good (4xx): no attempt posts it again. */
  async markRejected(db: Db, idempotencyKey: string, error: string): Promise<void> {
    await db('slackPosts')
      .where({ idempotencyKey })
      .update({
        status: 'REJECTED',
        lastError: error.slice(0, ERROR_LIMIT),
        claimedUntil: null,
        updatedAt: db.fn.now(),
      });
  },

  /** A transient failure: the claim is released at once so the next attempt may post. */
  async release(db: Db, idempotencyKey: string, error: string): Promise<void> {
    await db('slackPosts')
      .where({ idempotencyKey, status: 'POSTING' })
      .update({ lastError: error.slice(0, ERROR_LIMIT), claimedUntil: null, updatedAt: db.fn.now() });
  },

  find: (db: Db, idempotencyKey: string) => db('slackPosts').where({ idempotencyKey }).first(),
};
