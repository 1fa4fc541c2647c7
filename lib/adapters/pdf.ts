import { chromium, type Browser } from 'playwright-core';
import type { Logger } from '../logger';

export interface PdfRendererOptions {
  /** CHROMIUM_PATH (Debian's chromium-headless-shell, else its chromium, by default). */
  executablePath: string;
  logger?: Logger;
}

/**
 * Documents one pdf worker renders at once in its one browser (each in its own context):
 * the worker's maxConcurrentActivityTaskExecutions, and the benchmark's concurrency.
 */
export const PDF_RENDER_CONCURRENCY = 2;

/** Chromium's flags beyond playwright's own (shared with the benchmark's launches). */
export const PDF_BROWSER_ARGS = ['--disable-gpu', '--no-first-run'];

/** The renderer refused a document that does not fit on one A4 page. */
export class PdfLayoutError extends Error {
  constructor(readonly pages: number) {
    super(`The certificate came out as ${pages} pages, not one`);
    this.name = 'PdfLayoutError';
  }
}

/** Pages in a PDF as Chromium (Skia) writes it: one `/Type /Page` object per page. */
export function countPdfPages(pdf: Buffer): number {
  return pdf.toString('latin1').match(/\/Type\s*\/Page(?![s\w])/g)?.length ?? 0;
}

/**
 * HTML → PDF in headless Chromium through playwright-core. One browser per process,
 * launched on first use and again after it died (a crash or a kill mid-render fails
 * that render, which the activity's retry runs on the fresh browser); a fresh context
 * per document, so no cookie, cache or storage passes from one certificate to the next.
 * The page may fetch nothing: its context is offline (fonts and images are data: URLs).
 */
export function createPdfRenderer(options: PdfRendererOptions) {
  let browser: Promise<Browser> | undefined;
  let launches = 0;

  function currentBrowser(): Promise<Browser> {
    if (!browser) {
      launches += 1;
      const launching = chromium
        .launch({ executablePath: options.executablePath, headless: true, args: PDF_BROWSER_ARGS })
        .then((b) => {
          b.once('disconnected', () => {
            if (browser === launching) browser = undefined;
            options.logger?.warn('chromium disconnected; the next render launches a new one');
          });
          return b;
        });
      browser = launching;
      launching.catch(() => {
        if (browser === launching) browser = undefined;
      });
    }
    return browser;
  }

  return {
    /** A4 landscape, backgrounds printed, exactly one page (else PdfLayoutError). */
    async render(html: string): Promise<Buffer> {
      let b = await currentBrowser();
      if (!b.isConnected()) {
        browser = undefined;
        b = await currentBrowser();
      }
      const context = await b.newContext({ offline: true });
      try {
        // offline: the page can fetch nothing (fonts and images are data: URLs).
        const page = await context.newPage();
        await page.setContent(html, { waitUntil: 'domcontentloaded' });
        await page.evaluate('document.fonts.ready.then(() => true)');
        const pdf = await page.pdf({ format: 'A4', landscape: true, printBackground: true, preferCSSPageSize: true });
        const pages = countPdfPages(pdf);
        if (pages !== 1) throw new PdfLayoutError(pages);
        return pdf;
      } finally {
        await context.close().catch(() => undefined);
      }
    },

    /** How many browsers this renderer has launched (tests and the benchmark). */
    get launches(): number {
      return launches;
    },

    /** The running browser, if any (tests crash it on purpose). */
    async browserIfRunning(): Promise<Browser | undefined> {
      return browser ? browser.catch(() => undefined) : undefined;
    },

    async close(): Promise<void> {
      const running = browser;
      browser = undefined;
      if (running) await (await running.catch(() => undefined))?.close().catch(() => undefined);
    },
  };
}

export type PdfRenderer = ReturnType<typeof createPdfRenderer>;
