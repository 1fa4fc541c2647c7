import { chromium, type Browser, type CDPSession } from 'playwright-core';
import type { Logger } from '../logger';

export interface PdfRendererOptions {
  /** CHROMIUM_PATH (Debian's chromium-headless-shell, else its chromium, by default). */
  executablePath: string;
  logger?: Logger;
  /** How long one DevTools command may take before its render fails (a hung renderer). */
  commandTimeoutMs?: number;
}

/**
 * Documents one pdf worker renders at once in its one browser (each in its own context):
 * the worker's maxConcurrentActivityTaskExecutions, and the benchmark's concurrency.
 */
export const PDF_RENDER_CONCURRENCY = 2;

/**
 * Chromium's flags beyond playwright's own (shared with the benchmark's launches). With
 * begin-frame control, a page asked for it (`Target.createTarget`) draws no frames for a
 * screen nobody looks at: printing lays out and paints the document on its own.
 */
export const PDF_BROWSER_ARGS = ['--disable-gpu', '--no-first-run', '--enable-begin-frame-control'];

/**
 * Page.printToPDF's parameters for a certificate: A4 landscape in inches (the certificate's
 * own @page size wins), backgrounds printed, no margins. Chromium's own default tags the PDF
 * (an accessibility tree per print): playwright's is off, and so is this.
 */
export const PDF_PRINT_PARAMS = {
  paperWidth: 8.27,
  paperHeight: 11.69,
  landscape: true,
  printBackground: true,
  preferCSSPageSize: true,
  marginTop: 0,
  marginBottom: 0,
  marginLeft: 0,
  marginRight: 0,
  generateTaggedPDF: false,
  generateDocumentOutline: false,
};

/** Runtime.evaluate's parameters for the wait before printing: the web fonts (data: URLs) have loaded. */
export const PDF_FONTS_READY = {
  expression: 'document.fonts.ready.then(() => true)',
  awaitPromise: true,
  returnByValue: true,
};

/** The renderer refused a document that does not fit on one A4 page. */
export class PdfLayoutError extends Error {
  constructor(readonly pages: number) {
    super(`The certificate came out as ${pages} pages, not one`);
    this.name = 'PdfLayoutError';
  }
}

/** The page, its renderer or the whole browser went away (or hung) before the render ended. */
export class PdfRenderInterrupted extends Error {
  constructor(reason: string) {
    super(`The certificate render was interrupted: ${reason}`);
    this.name = 'PdfRenderInterrupted';
  }
}

/** Pages in a PDF as Chromium (Skia) writes it: one `/Type /Page` object per page. */
export function countPdfPages(pdf: Buffer): number {
  return pdf.toString('latin1').match(/\/Type\s*\/Page(?![s\w])/g)?.length ?? 0;
}

interface PendingCommand {
  page: string;
  resolve: (result: Record<string, unknown>) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * One browser's DevTools connection, as playwright-core opens it (`newBrowserCDPSession`),
 * driving pages it attaches to by session id. Playwright's own pages cost a fifth to a third more per
 * certificate (their set-up enables runtime, lifecycle and frame tracking, injects its
 * scripts and sets up emulation), which a print of static HTML needs none of. A page's
 * commands fail when the page detaches, its renderer crashes, the browser goes, or a
 * command outlasts the timeout, so no render waits forever.
 */
class DevTools {
  private nextId = 0;
  private readonly pending = new Map<number, PendingCommand>();

  private constructor(
    readonly browser: Browser,
    private readonly cdp: CDPSession,
    private readonly timeoutMs: number,
  ) {
    cdp.on('Target.receivedMessageFromTarget', ({ sessionId, message }) => {
      const reply = JSON.parse(message) as {
        id?: number;
        method?: string;
        params?: { requestId?: string };
        result?: Record<string, unknown>;
        error?: { message: string };
      };
      if (reply.method === 'Inspector.targetCrashed') return this.failPage(sessionId, 'the renderer crashed');
      if (reply.method === 'Fetch.requestPaused') return this.refuseRequest(sessionId, reply.params);
      const command = reply.id === undefined ? undefined : this.pending.get(reply.id);
      if (!command) return;
      this.settle(reply.id!, command);
      if (reply.error) command.reject(new Error(`Chromium: ${reply.error.message}`));
      else command.resolve(reply.result ?? {});
    });
    cdp.on('Target.detachedFromTarget', ({ sessionId }) => {
      if (sessionId) this.failPage(sessionId, 'the page detached');
    });
    browser.once('disconnected', () => {
      for (const [id, command] of this.pending) {
        this.settle(id, command);
        command.reject(new PdfRenderInterrupted('the browser disconnected'));
      }
    });
  }

  static async open(browser: Browser, timeoutMs: number): Promise<DevTools> {
    return new DevTools(browser, await browser.newBrowserCDPSession(), timeoutMs);
  }

  /** A command to the browser itself, failing after the timeout. */
  browserCommand<R>(method: string, params: Record<string, unknown> = {}): Promise<R> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new PdfRenderInterrupted(`${method} took over ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
    });
    return Promise.race([this.send<R>(method, params), timeout]).finally(() => clearTimeout(timer));
  }

  private send<R>(method: string, params: object): Promise<R> {
    return (this.cdp.send as (m: string, p: object) => Promise<R>).call(this.cdp, method, params);
  }

  /** A command to one attached page (its replies come back as browser events). */
  pageCommand<R = Record<string, unknown>>(page: string, method: string, params: object = {}): Promise<R> {
    const id = ++this.nextId;
    return new Promise<R>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.settle(id, command);
        reject(new PdfRenderInterrupted(`${method} took over ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      const command: PendingCommand = { page, resolve: resolve as PendingCommand['resolve'], reject, timer };
      this.pending.set(id, command);
      // The command's own timer above bounds it: the relay needs none of its own.
      this.send('Target.sendMessageToTarget', {
        sessionId: page,
        message: JSON.stringify({ id, method, params }),
      }).catch((error: Error) => {
        if (!this.pending.has(id)) return;
        this.settle(id, command);
        reject(new PdfRenderInterrupted(error.message));
      });
    });
  }

  private settle(id: number, command: PendingCommand): void {
    clearTimeout(command.timer);
    this.pending.delete(id);
  }

  /** A request the page tried to make (every request is paused): it fails as if offline. */
  private refuseRequest(page: string, params: { requestId?: string } | undefined): void {
    if (!params?.requestId) return;
    this.pageCommand(page, 'Fetch.failRequest', {
      requestId: params.requestId,
      errorReason: 'InternetDisconnected',
    }).catch(() => undefined);
  }

  private failPage(page: string, reason: string): void {
    for (const [id, command] of this.pending) {
      if (command.page !== page) continue;
      this.settle(id, command);
      command.reject(new PdfRenderInterrupted(reason));
    }
  }
}

/**
 * HTML → PDF in headless Chromium through playwright-core. One browser per process,
 * launched on first use and again after it died (a crash or a kill mid-render fails
 * that render, which the activity's retry runs on the fresh browser); a fresh browser
 * context per document, disposed after it, so no cookie, cache or storage passes from one
 * certificate to the next. The page may fetch nothing: every request it makes is paused
 * and failed (fonts and images are data: URLs, which make no request).
 */
export function createPdfRenderer(options: PdfRendererOptions) {
  const timeoutMs = options.commandTimeoutMs ?? 30_000;
  let devTools: Promise<DevTools> | undefined;
  let launches = 0;

  function currentDevTools(): Promise<DevTools> {
    if (!devTools) {
      launches += 1;
      const launching = chromium
        .launch({ executablePath: options.executablePath, headless: true, args: PDF_BROWSER_ARGS })
        .then(async (browser) => {
          browser.once('disconnected', () => {
            if (devTools === launching) devTools = undefined;
            options.logger?.warn('chromium disconnected; the next render launches a new one');
          });
          try {
            return await DevTools.open(browser, timeoutMs);
          } catch (error) {
            await browser.close().catch(() => undefined);
            throw error;
          }
        });
      devTools = launching;
      launching.catch(() => {
        if (devTools === launching) devTools = undefined;
      });
    }
    return devTools;
  }

  async function connected(): Promise<DevTools> {
    const current = await currentDevTools();
    if (current.browser.isConnected()) return current;
    devTools = undefined;
    return currentDevTools();
  }

  /** `work` on a blank page of a fresh browser context, disposed afterwards whatever happens. */
  async function onFreshPage<T>(
    work: (tools: DevTools, page: { session: string; frame: string }) => Promise<T>,
  ): Promise<T> {
    const tools = await connected();
    const { browserContextId } = await tools.browserCommand<{ browserContextId: string }>(
      'Target.createBrowserContext',
      { disposeOnDetach: true },
    );
    try {
      const { targetId } = await tools.browserCommand<{ targetId: string }>('Target.createTarget', {
        url: 'about:blank',
        browserContextId,
        enableBeginFrameControl: true,
      });
      const { sessionId } = await tools.browserCommand<{ sessionId: string }>('Target.attachToTarget', {
        targetId,
        flatten: false,
      });
      await Promise.all([
        tools.pageCommand(sessionId, 'Inspector.enable'),
        // Every request pauses, and is failed (DevTools.refuseRequest): data: URLs make none.
        tools.pageCommand(sessionId, 'Fetch.enable', { patterns: [{ urlPattern: '*' }] }),
        tools.pageCommand(sessionId, 'Emulation.setScriptExecutionDisabled', { value: true }),
      ]);
      // A page target's id is its main frame's id.
      return await work(tools, { session: sessionId, frame: targetId });
    } finally {
      await tools.browserCommand('Target.disposeBrowserContext', { browserContextId }).catch(() => undefined);
    }
  }

  return {
    /** A4 landscape, backgrounds printed, exactly one page (else PdfLayoutError). */
    render(html: string): Promise<Buffer> {
      return onFreshPage(async (tools, { session: page, frame }) => {
        await tools.pageCommand(page, 'Page.setDocumentContent', { frameId: frame, html });
        const fonts = await tools.pageCommand<{ exceptionDetails?: unknown }>(
          page,
          'Runtime.evaluate',
          PDF_FONTS_READY,
        );
        if (fonts.exceptionDetails) throw new PdfRenderInterrupted('the fonts failed to load');
        const { data } = await tools.pageCommand<{ data: string }>(page, 'Page.printToPDF', PDF_PRINT_PARAMS);
        const pdf = Buffer.from(data, 'base64');
        const pages = countPdfPages(pdf);
        if (pages !== 1) throw new PdfLayoutError(pages);
        return pdf;
      });
    },

    /** A fresh context and page opened and disposed with no document (the benchmark's floor). */
    blankPage(): Promise<void> {
      return onFreshPage(async () => undefined);
    },

    /** Browser contexts open in the running browser (none between renders). */
    async openContexts(): Promise<number> {
      const running = await this.browserIfRunning();
      if (!running) return 0;
      const tools = await currentDevTools();
      const { browserContextIds } = await tools.browserCommand<{ browserContextIds: string[] }>(
        'Target.getBrowserContexts',
      );
      return browserContextIds.length;
    },

    /** How many browsers this renderer has launched (tests and the benchmark). */
    get launches(): number {
      return launches;
    },

    /** The running browser, if any (tests crash it on purpose). */
    async browserIfRunning(): Promise<Browser | undefined> {
      return devTools ? devTools.then((tools) => tools.browser).catch(() => undefined) : undefined;
    },

    async close(): Promise<void> {
      const running = devTools;
      devTools = undefined;
      if (running) await (await running.catch(() => undefined))?.browser.close().catch(() => undefined);
    },
  };
}

export type PdfRenderer = ReturnType<typeof createPdfRenderer>;
