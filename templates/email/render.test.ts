import { describe, expect, it } from 'vitest';
import {
  renderEmail,
  SAMPLE_DATA,
  SECRET_LINK_PLACEHOLDER,
  TEMPLATE_NAMES,
  TemplateDataError,
  withSecretLink,
} from './index';

const context = { recipientName: 'Ada', appUrl: 'http://localhost:3000/' };

describe('email templates', () => {
  it('covers every template API.md names, plus admin alerts', () => {
    expect(TEMPLATE_NAMES.sort()).toEqual([
      'account-deleted',
      'admin-alert',
      'certificate-issued',
      'data-export-ready',
      'deletion-cancelled',
      'deletion-scheduled',
      'enrollment-refunded',
      'feedback-available',
      'password-reset',
      'project-unlocked',
      'submission-received',
      'verify-email',
      'welcome',
      'workspace-expiring',
      'workspace-ready',
    ]);
  });

  it.each(TEMPLATE_NAMES)('renders %s with subject, HTML in the layout and text', (name) => {
    const email = renderEmail(name, SAMPLE_DATA[name], context);
    expect(email.subject.length).toBeGreaterThan(5);
    expect(email.subject).not.toMatch(/\{\{|\n/);
    expect(email.html).toMatch(/^<!doctype html>/);
    expect(email.html).toContain('Hello Ada,');
    expect(email.html).toContain('href="http://localhost:3000"');
    expect(email.text).toContain('Hello Ada,');
    expect(email.text).not.toMatch(/<[a-z]/);
  });

  it('escapes data in HTML but not in the subject or text', () => {
    const email = renderEmail('project-unlocked', { projectTitle: '<script>alert(1)</script> & Co' }, context);
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co');
    expect(email.subject).toBe('Project unlocked: <script>alert(1)</script> & Co');
    expect(email.text).toContain('<script>alert(1)</script> & Co');
  });

  it('treats null as an absent optional value', () => {
    const email = renderEmail('project-unlocked', { projectTitle: 'P2', trackName: null }, context);
    expect(email.text).toContain('Your next project, P2, is unlocked.');
  });

  it('rejects data that does not fit the template', () => {
    expect(() =>
      renderEmail('certificate-issued', { trackName: 'DP', certificateUrl: 'javascript:alert(1)' }, context),
    ).toThrow(TemplateDataError);
    expect(() => renderEmail('welcome', {}, context)).toThrow(TemplateDataError);
  });

  it.each(['verify-email', 'password-reset'] as const)(
    'stores %s with a placeholder and delivers it with the real link, escaped in HTML',
    (name) => {
      const stored = renderEmail(name, {}, { ...context, linkUrl: SECRET_LINK_PLACEHOLDER });
      expect(stored.text).toContain(SECRET_LINK_PLACEHOLDER);
      expect(stored.html).toContain(`href="${SECRET_LINK_PLACEHOLDER}"`);
      const url = 'https://app.example/verify-email#token=abc_DEF-123';
      const delivered = withSecretLink(stored, url);
      expect(delivered.text).toContain(url);
      expect(delivered.html).toContain('href="https://app.example/verify-email#token&#x3D;abc_DEF-123"');
      expect(`${delivered.text}${delivered.html}`).not.toContain(SECRET_LINK_PLACEHOLDER);
      // What the recipient gets is what the template renders with the link in it.
      expect(delivered).toEqual(
        (({ html, text }) => ({ html, text }))(renderEmail(name, {}, { ...context, linkUrl: url })),
      );
    },
  );
});
