import type { DemoStage } from './types';

/**
 * Compliance: the admin's report covers the demo student's consent.
 * Reads: ctx.state.adminToken (an admin).
 */
export const stages: DemoStage[] = [
  {
    name: 'compliance report covers consent, privacy requests and retention',
    async run(ctx) {
      const res = await ctx.request('GET', '/api/admin/compliance/report', { token: ctx.state.adminToken });
      if (res.status !== 200) throw new Error(`compliance report answered ${res.status}`);
      const { consent, privacyRequests, retentionRuns, erasureReports } = res.body;
      const current = consent.byVersion.find(
        (v: { privacyVersion: string; termsVersion: string }) =>
          v.privacyVersion === consent.activePrivacyVersion && v.termsVersion === consent.activeTermsVersion,
      );
      if (!current || current.users < 1) throw new Error('no user counted under the active policy versions');
      if (!Array.isArray(privacyRequests.attention) || !Array.isArray(retentionRuns) || !erasureReports)
        throw new Error('the report lacks its privacy-request, retention or erasure sections');
    },
  },
];
