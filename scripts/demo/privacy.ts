import { randomBytes } from 'node:crypto';
import { expectStatus, studentToken } from './runner';
import type { DemoContext, DemoStage } from './types';

/**
 * Privacy rights (API.md, "Privacy rights"): the demo student's data exported (the ZIP
 * downloaded through its expiring link), then account deletion: one throwaway student
 * schedules a deletion (the cool-off) and cancels it; another erases their account at
 * once (anonymization, the same erasure steps) and is gone: signed out everywhere, an
 * erasure report stored. Reads: ctx.state.studentToken, ctx.state.adminToken.
 */

/** A throwaway student, signed up with the active policies; answers its token and password. */
async function throwawayStudent(ctx: DemoContext, label: string): Promise<{ token: string; password: string }> {
  const policies = await ctx.request('GET', '/api/policies/current');
  expectStatus(policies, 200, 'GET /api/policies/current');
  const password = `Demo-${randomBytes(12).toString('base64url')}`;
  const signup = await ctx.request('POST', '/api/auth/signup', {
    body: {
      email: `demo-${label}+${Date.now()}-${randomBytes(3).toString('hex')}@example.com`,
      password,
      fullName: `Demo ${label}`,
      acceptPrivacyVersion: policies.body.privacy.version,
      acceptTermsVersion: policies.body.terms.version,
    },
  });
  expectStatus(signup, 201, 'POST /api/auth/signup');
  return { token: signup.body.token, password };
}

export const stages: DemoStage[] = [
  {
    name: 'data exported',
    async run(ctx) {
      const token = studentToken(ctx);
      const first = await ctx.request('GET', '/api/accounts/export-data', { token });
      if (first.status !== 200 && first.status !== 202)
        throw new Error(`GET /api/accounts/export-data answered ${first.status}`);
      const ready = await ctx.waitFor('the export to be ready', async () => {
        const res = await ctx.request('GET', '/api/accounts/export-data', { token });
        return res.status === 200 ? res.body : undefined;
      });
      // The link names PUBLIC_BASE_URL; fetched from the stack this demo drives.
      const link = new URL(ready.downloadUrl);
      const zip = await fetch(`${ctx.baseUrl}${link.pathname}${link.search}`, { signal: AbortSignal.timeout(30_000) });
      const bytes = Buffer.from(await zip.arrayBuffer());
      if (zip.status !== 200 || bytes.subarray(0, 2).toString() !== 'PK')
        throw new Error(`the download link answered ${zip.status}, not a ZIP`);
      ctx.note?.(`a ${bytes.length}-byte ZIP; its link expires ${ready.expiresAt}`);
    },
  },
  {
    name: 'account deleted',
    async run(ctx) {
      // A deletion waits out its cool-off (DELETION_COOL_OFF, 14 days): scheduled, then cancelled.
      const waverer = await throwawayStudent(ctx, 'waverer');
      const scheduled = await ctx.request('DELETE', '/api/accounts/delete-account', {
        token: waverer.token,
        body: { password: waverer.password },
      });
      expectStatus(scheduled, 202, 'DELETE /api/accounts/delete-account');
      const cancelled = await ctx.request('POST', '/api/accounts/delete-account/cancel', { token: waverer.token });
      expectStatus(cancelled, 200, 'POST /api/accounts/delete-account/cancel');
      ctx.note?.(`a deletion scheduled for ${scheduled.body.scheduledFor}, cancelled in its cool-off`);

      // Erasure at once: the same steps without the cool-off.
      const before = await ctx.request('GET', '/api/admin/compliance/report', { token: ctx.state.adminToken });
      expectStatus(before, 200, 'GET /api/admin/compliance/report');
      const leaver = await throwawayStudent(ctx, 'leaver');
      const erased = await ctx.request('POST', '/api/accounts/anonymize', { token: leaver.token, body: {} });
      expectStatus(erased, 202, 'POST /api/accounts/anonymize');
      await ctx.waitFor('the session to be revoked', async () =>
        (await ctx.request('GET', '/api/me', { token: leaver.token })).status === 401 ? true : undefined,
      );
      await ctx.waitFor('the erasure report', async () => {
        const report = await ctx.request('GET', '/api/admin/compliance/report', { token: ctx.state.adminToken });
        return report.body?.erasureReports?.count > before.body.erasureReports.count ? true : undefined;
      });
      ctx.note?.(`erased by ${erased.body.workflowId}`);
    },
  },
];
