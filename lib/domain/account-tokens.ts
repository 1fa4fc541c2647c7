import { z } from 'zod';

/**
 * What a single-use account link does: choose a first password (an admin-created
 * account's welcome), reset a forgotten one, or prove the address at sign-up.
 */
export const ACCOUNT_TOKEN_PURPOSES = ['set-password', 'password-reset', 'verify-email'] as const;
export const accountTokenPurposeSchema = z.enum(ACCOUNT_TOKEN_PURPOSES);
export type AccountTokenPurpose = z.infer<typeof accountTokenPurposeSchema>;

/** The purposes whose link sets a password (spent by POST /api/auth/set-password). */
export const PASSWORD_TOKEN_PURPOSES = ['set-password', 'password-reset'] as const satisfies AccountTokenPurpose[];

/** The messages the account-email workflow sends; each is also the name of its template. */
export const ACCOUNT_EMAIL_PURPOSES = ['verify-email', 'password-reset'] as const satisfies AccountTokenPurpose[];
export const accountEmailPurposeSchema = z.enum(ACCOUNT_EMAIL_PURPOSES);
export type AccountEmailPurpose = z.infer<typeof accountEmailPurposeSchema>;
