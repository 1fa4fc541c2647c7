import { z } from 'zod';

/**
 * Every email Cohort sends: its typed data and its subject. Data carries ids, titles,
 * dates and links only; the recipient's name is looked up by the sending activity.
 */
const text = z.string().min(1).max(500);
// Links in emails are http(s) only: a javascript: URL would survive HTML escaping.
const url = z.url({ protocol: /^https?$/ }).max(2000);

export const TEMPLATE_DATA = {
  // Admin-created users have no password yet: their link sets one instead of signing in.
  welcome: z.object({ trackName: text, mustSetPassword: z.boolean().optional() }),
  'enrollment-refunded': z.object({ trackName: text }),
  'project-unlocked': z.object({ projectTitle: text, trackName: text.optional() }),
  'submission-received': z.object({ projectTitle: text, deliverableTitle: text }),
  'feedback-available': z.object({ projectTitle: text, deliverableTitle: text, approved: z.boolean() }),
  'certificate-issued': z.object({ trackName: text, certificateUrl: url, verificationCode: text.optional() }),
  'deletion-scheduled': z.object({ scheduledFor: text }),
  'deletion-cancelled': z.object({}),
  'account-deleted': z.object({}),
  // The signed download link is minted at delivery (activities/data-export.ts), never stored or carried in data.
  'data-export-ready': z.object({ expiresAt: text }),
  'workspace-ready': z.object({ projectTitle: text, schemaName: text }),
  'workspace-expiring': z.object({ projectTitle: text, expiresAt: text }),
  'admin-alert': z.object({ title: text, message: z.string().min(1).max(5000) }),
  // The link itself is minted at delivery (lib/email/secret-links.ts), never carried in data.
  'verify-email': z.object({}),
  'password-reset': z.object({}),
} as const;

export type TemplateName = keyof typeof TEMPLATE_DATA;
/** Each template's data as a sender writes it: `sendEmail` checks a payload against its template here. */
export type TemplateDataMap = { [T in TemplateName]: z.input<(typeof TEMPLATE_DATA)[T]> };
export type TemplateData<T extends TemplateName> = TemplateDataMap[T];
export const TEMPLATE_NAMES = Object.keys(TEMPLATE_DATA) as TemplateName[];

/** Subjects are Handlebars too (rendered without HTML escaping: they are plain text). */
export const SUBJECTS: Record<TemplateName, string> = {
  welcome: 'Welcome to Cohort: {{trackName}}',
  'enrollment-refunded': 'Your payment for {{trackName}} was refunded',
  'project-unlocked': 'Project unlocked: {{projectTitle}}',
  'submission-received': 'We received your submission for {{projectTitle}}',
  'feedback-available': 'Feedback on {{deliverableTitle}}',
  'certificate-issued': 'Your {{trackName}} certificate',
  'deletion-scheduled': 'Your account deletion is scheduled',
  'deletion-cancelled': 'Your account deletion was cancelled',
  'account-deleted': 'Your account has been deleted',
  'data-export-ready': 'Your data export is ready',
  'workspace-ready': 'Your workspace for {{projectTitle}} is ready',
  'workspace-expiring': 'Your workspace for {{projectTitle}} expires soon',
  'admin-alert': '[Cohort admin] {{title}}',
  'verify-email': 'Confirm your email address for Cohort',
  'password-reset': 'Reset your Cohort password',
};

/** Sample data for `npm run email:preview` and rendering tests. */
export const SAMPLE_DATA: { [T in TemplateName]: TemplateData<T> } = {
  welcome: { trackName: 'Data Professional' },
  'enrollment-refunded': { trackName: 'Data Professional' },
  'project-unlocked': { projectTitle: 'SQL Foundations', trackName: 'Data Professional' },
  'submission-received': { projectTitle: 'SQL Foundations', deliverableTitle: 'Query repository' },
  'feedback-available': { projectTitle: 'SQL Foundations', deliverableTitle: 'Query repository', approved: true },
  'certificate-issued': {
    trackName: 'Data Professional',
    certificateUrl: 'http://localhost:3000/api/certificates/abc/pdf',
    verificationCode: 'ABCD-EFGH',
  },
  'deletion-scheduled': { scheduledFor: '2026-12-11' },
  'deletion-cancelled': {},
  'account-deleted': {},
  'data-export-ready': { expiresAt: '2026-12-04' },
  'workspace-ready': { projectTitle: 'SQL Foundations', schemaName: 'dp_student_1234' },
  'workspace-expiring': { projectTitle: 'SQL Foundations', expiresAt: '2027-02-25' },
  'admin-alert': { title: 'Refund issued', message: 'Onboarding failed after payment; the payment was refunded.' },
  'verify-email': {},
  'password-reset': {},
};
