import { z } from 'zod';
import { roleSchema } from '../../lib/domain/index';
import { freeText } from '../http/text';

// Shared field rules for account endpoints: bounded lengths, no control characters.
export const emailField = z.email().max(254);
export const passwordField = z.string().min(10).max(200);
// Link tokens are 43 base64url characters (32 random bytes).
export const linkTokenField = z
  .string()
  .min(20)
  .max(200)
  .regex(/^[A-Za-z0-9_-]+$/, 'not a link token');
export const fullNameField = freeText(200, { multiline: false, trim: true }).min(1);
export const versionField = z
  .string()
  .min(1)
  .max(50)
  .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash or underscore');
export const reasonField = freeText(1000, { trim: true }).min(1);
export const policyContentField = freeText(50_000).min(1);

export const enrollmentSummarySchema = z.object({
  id: z.uuid(),
  track: z.string(),
  status: z.string(),
  enrolledAt: z.iso.datetime().nullable(),
  graduationDate: z.iso.date().nullable(),
  paymentVerified: z.boolean(),
});

export const userSchema = z.object({
  id: z.uuid(),
  email: z.email(),
  emailVerified: z.boolean(),
  fullName: z.string(),
  role: roleSchema,
  privacyAccepted: z.boolean(),
  privacyAcceptedAt: z.iso.datetime().nullable(),
  privacyVersion: z.string().nullable(),
  marketingConsent: z.boolean(),
  dataRetentionConsent: z.boolean(),
  accountDeletionRequested: z.boolean(),
  accountDeletionRequestedAt: z.iso.datetime().nullable(),
  anonymized: z.boolean(),
  enrollment: enrollmentSummarySchema.nullable(),
});

export const tokenAndUserSchema = z.object({ token: z.string(), user: userSchema });

export const consentRecordSchema = z.object({
  id: z.uuid(),
  kind: z.string(),
  granted: z.boolean(),
  privacyVersion: z.string().nullable(),
  termsVersion: z.string().nullable(),
  acceptedAt: z.iso.datetime(),
});
