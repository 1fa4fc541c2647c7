import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createPdfRenderer } from '../lib/adapters/pdf';
import { PROJECT_ROOT } from '../scripts/lib/tools';
import { renderCertificateHtml } from '../templates/certificate/render';
import { reportLoop, reportRatio, timedLoop } from './lib';
import type { Bench } from './types';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const WARM_COUNT = Number(process.env.BENCH_PDF_WARM ?? 40);
const LAUNCH_COUNT = Number(process.env.BENCH_PDF_LAUNCH ?? 8);
const WEASY_COUNT = Number(process.env.BENCH_PDF_WEASYPRINT ?? 8);

// WeasyPrint as a library in one long-lived Python process (its best case), the same HTML each time.
const WEASYPRINT = `
import sys, time
from weasyprint import HTML
html = sys.stdin.read()
n = int(sys.argv[1])
HTML(string=html).write_pdf()
t0 = time.perf_counter()
for _ in range(n):
    HTML(string=html).write_pdf()
print(n / (time.perf_counter() - t0))
`;

/**
 * Certificates per second, the same certificate HTML through three renderers: the warm
 * browser the pdf worker keeps (a fresh context per document), a browser launched per
 * document, and WeasyPrint (from .tools/, when installed), with the ratios.
 */
const bench: Bench = async (ctx) => {
  const html = await renderCertificateHtml({
    holderName: 'Ada Lovelace',
    trackName: 'Data Professional',
    issuedAt: new Date('2026-01-15T10:00:00Z'),
    code: '7KQ2-M9XD-4HBW-P3RT',
    verifyUrl: 'https://cohort.example/verify/7KQ2-M9XD-4HBW-P3RT',
  });

  const warm = createPdfRenderer({ executablePath: CHROMIUM });
  for (let i = 0; i < 3; i++) await warm.render(html);
  const warmResult = await timedLoop({ maxCount: WARM_COUNT, maxMs: 60_000, concurrency: 1 }, async () => {
    await warm.render(html);
  });
  await warm.close();
  reportLoop(ctx, 'pdf_warm_browser', warmResult);

  const launchResult = await timedLoop({ maxCount: LAUNCH_COUNT, maxMs: 60_000, concurrency: 1 }, async () => {
    const cold = createPdfRenderer({ executablePath: CHROMIUM });
    try {
      await cold.render(html);
    } finally {
      await cold.close();
    }
  });
  reportLoop(ctx, 'pdf_browser_per_document', launchResult);
  reportRatio(ctx, 'pdf_warm_browser_vs_browser_per_document', warmResult.perSecond, launchResult.perSecond);

  const python = resolve(PROJECT_ROOT, '.tools/bin/python');
  const weasy = existsSync(python)
    ? spawnSync(python, ['-c', WEASYPRINT, String(WEASY_COUNT)], { input: html, encoding: 'utf8', timeout: 300_000 })
    : undefined;
  const perSecond = weasy?.status === 0 ? Number(weasy.stdout.trim()) : Number.NaN;
  if (!Number.isFinite(perSecond)) {
    process.stderr.write(
      `WeasyPrint not measured: ${weasy?.stderr?.trim().split('\n').pop() ?? 'no .tools/bin/python'}\n`,
    );
    return;
  }
  ctx.report('pdf_weasyprint_rps', Number(perSecond.toFixed(1)), 'req/s');
  reportRatio(ctx, 'pdf_warm_browser_vs_weasyprint', warmResult.perSecond, perSecond);
};

export default bench;
