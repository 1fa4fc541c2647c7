import { expectStatus, reviewerToken, studentToken } from './runner';
import type { DemoStage } from './types';

/**
 * Certificates (API.md, "Certificates"). Runs after the learning stages and reads from
 * `ctx.state`: `studentToken` (or `token`), `trainerToken` or `adminToken`, and `track`.
 * Leaves `verificationCode` in the state.
 */
export const stages: DemoStage[] = [
  {
    name: 'track completed',
    async run(ctx) {
      const track = ctx.state.track as string | undefined;
      if (!track) throw new Error('no track in the demo state');
      const outline = await ctx.request('GET', `/api/tracks/${track}`);
      expectStatus(outline, [200], 'GET /api/tracks/:code');
      const progress = await ctx.request('GET', '/api/progress', { token: studentToken(ctx) });
      expectStatus(progress, [200], 'GET /api/progress');
      const done = new Set(
        (progress.body.projects as { projectId: string; status: string }[])
          .filter((p) => p.status === 'COMPLETED')
          .map((p) => p.projectId),
      );
      for (const project of (outline.body.projects as any[]).filter((p) => p.required && !done.has(p.id))) {
        await ctx.waitFor(
          `${project.title} unlocked`,
          async () => {
            const mine = await ctx.request('GET', '/api/progress', { token: studentToken(ctx) });
            const status = mine.body.projects?.find((p: any) => p.projectId === project.id)?.status;
            return status && status !== 'LOCKED' ? true : undefined;
          },
          30_000,
        );
        const started = await ctx.request('POST', `/api/projects/${project.id}/start`, { token: studentToken(ctx) });
        expectStatus(started, [200], 'POST /api/projects/:id/start');
        for (const [n, step] of project.steps.entries()) {
          expectStatus(
            await ctx.request('POST', `/api/steps/${step.id}/complete`, { token: studentToken(ctx) }),
            [200],
            'POST /api/steps/:id/complete',
          );
          for (const deliverable of step.deliverables) {
            const submitted = await ctx.request('POST', `/api/projects/${project.id}/submissions`, {
              token: studentToken(ctx),
              body: {
                deliverableId: deliverable.id,
                repoUrl: `https://github.com/cohort-demo/${project.slug}-${n + 1}`,
              },
            });
            expectStatus(submitted, [201], 'POST /api/projects/:id/submissions');
            const reviewed = await ctx.request('POST', `/api/submissions/${submitted.body.id}/review`, {
              token: reviewerToken(ctx),
              body: { decision: 'APPROVED', feedback: 'Clear and complete. Well done.' },
            });
            expectStatus(reviewed, [200, 202], 'POST /api/submissions/:id/review');
          }
        }
      }
    },
  },
  {
    name: 'certificate verified',
    async run(ctx) {
      // The last approval hands the track to certification; the PDF is rendered in Chromium.
      const certificate = await ctx.waitFor(
        'the certificate issued',
        async () => {
          const listed = await ctx.request('GET', '/api/certificates', { token: studentToken(ctx) });
          expectStatus(listed, [200], 'GET /api/certificates');
          const mine = (listed.body as { verificationCode: string; track: string }[]).find(
            (c) => c.track === ctx.state.track,
          );
          if (!mine) return undefined;
          const verified = await ctx.request('GET', `/api/certificates/${mine.verificationCode}`);
          return verified.status === 200 && verified.body.pdfUrl ? verified.body : undefined;
        },
        60_000,
      );
      if (!certificate.valid) throw new Error('the new certificate is not valid');
      const again = await ctx.request('POST', '/api/certificates/generate', {
        token: studentToken(ctx),
        body: { track: ctx.state.track },
      });
      expectStatus(again, [200], 'POST /api/certificates/generate (repeat)');
      if (again.body.verificationCode !== certificate.verificationCode)
        throw new Error('a second certificate appeared');
      const page = await fetch(`${ctx.baseUrl}/verify/${certificate.verificationCode}`);
      if (page.status !== 200 || !(await page.text()).includes(certificate.verificationCode))
        throw new Error(`GET /verify/:code answered ${page.status}`);
      const pdf = await ctx.request('GET', `/api/certificates/${certificate.verificationCode}/pdf`);
      expectStatus(pdf, [302], 'GET /api/certificates/:code/pdf');
      ctx.state.verificationCode = certificate.verificationCode;
    },
  },
];
