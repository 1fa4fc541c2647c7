/** The first privacy policy and terms, active on a fresh install so students can sign up. */
export const INITIAL_POLICIES = {
  privacy: {
    version: '2026-01',
    effectiveDate: '2026-01-01',
    content: `Cohort privacy policy (version 2026-01).

We process your account data (name, email), learning data (progress, submissions,
reviews, certificates) and payment references to run your bootcamp. Payment card data
never reaches us: Stripe processes it. You can export all your data, withdraw any
consent and delete your account at any time from your account settings.

Retention: request and audit logs are kept 90 days; learning data 30 days after
graduation unless you consent to longer retention or a legal hold applies; payment
records 7 years, as accounting law requires.`,
  },
  terms: {
    version: '2026-01',
    effectiveDate: '2026-01-01',
    content: `Cohort terms of service (version 2026-01).

Your enrollment gives you access to one track's projects, reviews by a trainer and a
certificate when every required project is approved. Submitted work must be your own.
Refunds follow the conditions shown at checkout.`,
  },
} as const;
