import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium, type Browser } from 'playwright-core';
import {
  countPdfPages,
  createPdfRenderer,
  PDF_BROWSER_ARGS,
  PDF_FONTS_READY,
  PDF_PRINT_PARAMS,
  PDF_RENDER_CONCURRENCY,
} from '../lib/adapters/pdf';
import { defaultChromiumPath } from '../lib/config';
import { PROJECT_ROOT } from '../scripts/lib/tools';
import { renderCertificateHtml } from '../templates/certificate/render';
import { combineLoops, reportLoop, reportRatio, timedLoop, type LoopResult } from './lib';
import type { Bench } from './types';

const CHROMIUM = process.env.CHROMIUM_PATH ?? defaultChromiumPath();
/** Documents in flight at once for every renderer: the pdf worker's maxConcurrentActivityTaskExecutions. */
const CONCURRENCY = Number(process.env.BENCH_PDF_CONCURRENCY ?? PDF_RENDER_CONCURRENCY);
/**
 * The three renderers take turns, round after round, so a change in the machine's load
 * (a shared 2-core VM's is large) falls on all of them rather than on whichever ran then.
 */
const ROUNDS = Number(process.env.BENCH_PDF_ROUNDS ?? 4);
/** Documents per round: the warm browser, a browser per document, each WeasyPrint process. */
const WARM_COUNT = Number(process.env.BENCH_PDF_WARM ?? 40);
const LAUNCH_COUNT = Number(process.env.BENCH_PDF_LAUNCH ?? 10);
const WEASY_COUNT = Number(process.env.BENCH_PDF_WEASYPRINT ?? 6);

// WeasyPrint as a library in long-lived Python processes (its best case), the same HTML each
// time, one process per concurrent document: each warms up, says "ready", and starts its
// timed renders when told "go" on stdin, so the processes run side by side.
const WEASYPRINT = `
import sys
from weasyprint import HTML
html = open(sys.argv[1], encoding='utf-8').read()
n = int(sys.argv[2])
HTML(string=html).write_pdf()
print('ready', flush=True)
sys.stdin.readline()
for _ in range(n):
    HTML(string=html).write_pdf()
print('done', flush=True)
`;

/** `processes` WeasyPrint processes rendering `count` each, side by side, timed from "go". */
async function weasyPrintRun(
  python: string,
  html: string,
  processes: number,
  count: number,
): Promise<{ documents: number; elapsedMs: number }> {
  const file = join(mkdtempSync(join(tmpdir(), 'cohort-weasy-')), 'certificate.html');
  writeFileSync(file, html);
  const children = Array.from({ length: processes }, () =>
    spawn(python, ['-c', WEASYPRINT, file, String(count)], { stdio: ['pipe', 'pipe', 'pipe'] }),
  );
  const lines = children.map((child) => {
    const rl = createInterface({ input: child.stdout });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const next = () =>
      new Promise<string>((resolvePromise, reject) => {
        rl.once('line', resolvePromise);
        child.once('exit', (code) =>
          reject(new Error(`WeasyPrint exited ${code}: ${stderr.trim().split('\n').pop()}`)),
        );
      });
    return next;
  });
  try {
    await Promise.all(lines.map((next) => next()));
    const started = performance.now();
    const done = lines.map((next) => next());
    for (const child of children) child.stdin.write('go\n');
    await Promise.all(done);
    return { documents: processes * count, elapsedMs: performance.now() - started };
  } finally {
    for (const child of children) child.kill();
    rmSync(dirname(file), { recursive: true, force: true });
  }
}

/**
 * What bounds the first ratio, one at a time: a browser launched and closed with no page,
 * against a fresh context and page opened and disposed by the warm renderer with no document.
 * The warm path pays the second on every certificate, the per-document path both.
 */
async function reportOverheads(ctx: Parameters<Bench>[0]): Promise<void> {
  const limits = { maxCount: 20, maxMs: 20_000 };
  const launch = await timedLoop(limits, async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: PDF_BROWSER_ARGS });
    await browser.close();
  });
  const warm = createPdfRenderer({ executablePath: CHROMIUM });
  await warm.blankPage();
  const fresh = await timedLoop(limits, () => warm.blankPage());
  await warm.close();
  ctx.report('pdf_browser_launch_only_p50', Number(launch.p50.toFixed(1)), 'ms');
  ctx.report('pdf_fresh_context_only_p50', Number(fresh.p50.toFixed(1)), 'ms');
}

/**
 * Not a renderer Cohort uses: the reference for the 10×. One context and page per
 * concurrent document, opened once and reused for every certificate (the worker opens a fresh
 * context per document, as the issue asks, so no state can pass from one to the next). Each
 * page runs no script and is driven over its DevTools session with the worker's own steps:
 * set the HTML, wait for the fonts, print.
 */
async function reusedPages(browser: Browser, count: number): Promise<(html: string) => Promise<Buffer>> {
  const idle = await Promise.all(
    Array.from({ length: count }, async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send('Emulation.setScriptExecutionDisabled', { value: true });
      const { frameTree } = await cdp.send('Page.getFrameTree');
      return { cdp, frameId: frameTree.frame.id };
    }),
  );
  return async (html) => {
    const page = idle.pop();
    if (!page) throw new Error('more documents at once than reused pages');
    try {
      await page.cdp.send('Page.setDocumentContent', { frameId: page.frameId, html });
      await page.cdp.send('Runtime.evaluate', PDF_FONTS_READY);
      const { data } = await page.cdp.send('Page.printToPDF', PDF_PRINT_PARAMS);
      return Buffer.from(data, 'base64');
    } finally {
      idle.push(page);
    }
  };
}

/**
 * Certificates per second, the same certificate HTML through three renderers: the warm
 * browser the pdf worker keeps (a fresh context per document), a browser launched per
 * document, and WeasyPrint (from .tools/, when installed), with the ratios. They take turns
 * for BENCH_PDF_ROUNDS rounds; each rate is all its documents over all its time.
 */
const bench: Bench = async (ctx) => {
  ctx.report('pdf_concurrency', CONCURRENCY, 'docs');
  ctx.report('pdf_rounds', ROUNDS, 'rounds');
  const html = await renderCertificateHtml({
    holderName: 'Ada Lovelace',
    trackName: 'Data Professional',
    issuedAt: new Date('2026-01-15T10:00:00Z'),
    code: '7KQ2-M9XD-4HBW-P3RT',
    verifyUrl: 'https://cohort.example/verify/7KQ2-M9XD-4HBW-P3RT',
  });
  const python = resolve(PROJECT_ROOT, '.tools/bin/python');
  let weasyPrintMissing = existsSync(python) ? undefined : 'no .tools/bin/python';

  const warm = createPdfRenderer({ executablePath: CHROMIUM });
  const reference = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: PDF_BROWSER_ARGS });
  const reused = await reusedPages(reference, CONCURRENCY);
  const warmRounds: LoopResult[] = [];
  const launchRounds: LoopResult[] = [];
  const reusedRounds: LoopResult[] = [];
  const weasyRounds: { documents: number; elapsedMs: number }[] = [];
  try {
    await Promise.all(Array.from({ length: CONCURRENCY + 2 }, () => warm.render(html)));
    for (const pdf of await Promise.all(Array.from({ length: CONCURRENCY }, () => reused(html)))) {
      if (countPdfPages(pdf) !== 1) throw new Error('the reused page printed no one-page certificate');
    }
    for (let round = 0; round < ROUNDS; round += 1) {
      warmRounds.push(
        await timedLoop({ maxCount: WARM_COUNT, maxMs: 30_000, concurrency: CONCURRENCY }, async () => {
          await warm.render(html);
        }),
      );
      launchRounds.push(
        await timedLoop({ maxCount: LAUNCH_COUNT, maxMs: 30_000, concurrency: CONCURRENCY }, async () => {
          const cold = createPdfRenderer({ executablePath: CHROMIUM });
          try {
            await cold.render(html);
          } finally {
            await cold.close();
          }
        }),
      );
      reusedRounds.push(
        await timedLoop({ maxCount: WARM_COUNT, maxMs: 30_000, concurrency: CONCURRENCY }, async () => {
          await reused(html);
        }),
      );
      if (weasyPrintMissing) continue;
      try {
        weasyRounds.push(await weasyPrintRun(python, html, CONCURRENCY, WEASY_COUNT));
      } catch (error) {
        weasyPrintMissing = (error as Error).message;
      }
    }
  } finally {
    await warm.close();
    await reference.close();
  }
  const warmResult = combineLoops(warmRounds);
  const launchResult = combineLoops(launchRounds);
  reportLoop(ctx, 'pdf_warm_browser', warmResult);
  reportLoop(ctx, 'pdf_browser_per_document', launchResult);
  reportRatio(ctx, 'pdf_warm_browser_vs_browser_per_document', warmResult.perSecond, launchResult.perSecond);
  const reusedResult = combineLoops(reusedRounds);
  reportLoop(ctx, 'pdf_reused_context_reference', reusedResult);
  reportRatio(
    ctx,
    'pdf_reused_context_reference_vs_browser_per_document',
    reusedResult.perSecond,
    launchResult.perSecond,
  );
  await reportOverheads(ctx);

  if (weasyPrintMissing) {
    process.stderr.write(`WeasyPrint not measured: ${weasyPrintMissing}\n`);
    return;
  }
  const sum = (key: 'documents' | 'elapsedMs') => weasyRounds.reduce((total, run) => total + run[key], 0);
  const weasyPrintPerSecond = sum('documents') / (sum('elapsedMs') / 1000);
  ctx.report('pdf_weasyprint_rps', Number(weasyPrintPerSecond.toFixed(1)), 'req/s');
  reportRatio(ctx, 'pdf_warm_browser_vs_weasyprint', warmResult.perSecond, weasyPrintPerSecond);
};

export default bench;
