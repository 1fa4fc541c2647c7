import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config';
import { renderCertificateHtml } from '../../templates/certificate/render';
import { countPdfPages, createPdfRenderer, PdfRenderInterrupted } from './pdf';

const chromiumPath = loadConfig({
  DATABASE_URL: 'postgres://x@127.0.0.1/x',
  COHORT_ENCRYPTION_KEY: 'ab'.repeat(32),
}).CHROMIUM_PATH;
const renderer = createPdfRenderer({ executablePath: chromiumPath });
afterAll(async () => {
  await renderer.close();
});

const certificate = (holderName: string) =>
  renderCertificateHtml({
    holderName,
    trackName: 'Data Professional',
    issuedAt: new Date('2026-11-30T10:00:00Z'),
    code: '7KQ2-M9XD-4HBW-P3RT',
    verifyUrl: 'https://cohort.example/verify/7KQ2-M9XD-4HBW-P3RT',
  });

async function pdfPages(pdf: Buffer) {
  const doc = await getDocument({ data: new Uint8Array(pdf), isEvalSupported: false }).promise;
  const pages = doc.numPages;
  const text = (await (await doc.getPage(1)).getTextContent()).items.map((i) => ('str' in i ? i.str : '')).join('');
  await doc.destroy();
  return { pages, text };
}

/** One page of a document that takes a renderer a while to parse and lay out (no script runs). */
const heavyPage = () =>
  `<!doctype html><div style="height: 20mm; overflow: hidden">${'<span>slow </span>'.repeat(200_000)}</div>`;

/**
 * Stops (SIGSTOP) the browser's renderers as soon as one is up, mid-render, and returns their pids:
 * a hung renderer, until SIGCONT or SIGKILL.
 */
async function holdRenderers(browser: Browser): Promise<number[]> {
  const cdp = await browser.newBrowserCDPSession();
  try {
    for (let tries = 0; tries < 2_000; tries += 1) {
      const { processInfo } = await cdp.send('SystemInfo.getProcessInfo');
      const renderers = processInfo.filter((p) => p.type === 'renderer').map((p) => p.id);
      for (const pid of renderers) process.kill(pid, 'SIGSTOP');
      if (renderers.length > 0) return renderers;
    }
    throw new Error('no renderer came up');
  } finally {
    await cdp.detach();
  }
}

function signalIfAlive(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

describe('PDF renderer (Chromium through playwright-core)', () => {
  it('renders on one browser, a fresh context per document, one A4 page each', async () => {
    const pdfs = await Promise.all(
      ['Ada Lovelace', 'Grace Hopper', 'Margaret Hamilton'].map(async (n) => renderer.render(await certificate(n))),
    );
    expect(renderer.launches).toBe(1);
    for (const pdf of pdfs) expect(countPdfPages(pdf)).toBe(1);
    expect(await renderer.openContexts()).toBe(0);
  });

  it('a very long name still fits on exactly one page, and the fonts are embedded', async () => {
    const long = 'Maria-Anna Wolfeschlegelsteinhausenbergerdorff von Hohenzollern-Sigmaringen und Habsburg '
      .repeat(3)
      .trim();
    const pdf = await renderer.render(await certificate(long));
    const { pages, text } = await pdfPages(pdf);
    expect(pages).toBe(1);
    expect(text.replace(/\s+/g, '')).toContain('Wolfeschlegelsteinhausenbergerdorff');
    expect(pdf.toString('latin1')).toMatch(/\/FontFile2|\/FontFile3|\/FontFile /);
    expect(pdf.toString('latin1')).toContain('EBGaramond');
  });

  it('a browser that dies mid-render fails that render; the next one runs on a fresh browser', async () => {
    const html = await certificate('Katherine Johnson');
    const before = renderer.launches;
    const browser = (await renderer.browserIfRunning())!;
    const rendering = renderer.render(html);
    // Kill it while the render is under way (as a crash would).
    setTimeout(() => void browser.close(), 5);
    await expect(rendering).rejects.toThrow();
    const pdf = await renderer.render(html);
    expect(countPdfPages(pdf)).toBe(1);
    expect(renderer.launches).toBe(before + 1);
  });

  it('a renderer that crashes mid-render fails that render at once; the browser stays, the next render works', async () => {
    const rendering = renderer.render(heavyPage());
    const browser = (await renderer.browserIfRunning())!;
    const held = await holdRenderers(browser);
    for (const pid of held) process.kill(pid, 'SIGKILL');
    const before = renderer.launches;
    await expect(rendering).rejects.toThrow(PdfRenderInterrupted);
    await expect(rendering).rejects.toThrow(/renderer crashed|detached/);
    const pdf = await renderer.render(await certificate('Dorothy Vaughan'));
    expect(countPdfPages(pdf)).toBe(1);
    expect(renderer.launches).toBe(before);
    expect(await renderer.openContexts()).toBe(0);
  });

  it('a hung renderer fails the render after the command timeout, and its context is disposed', async () => {
    const impatient = createPdfRenderer({ executablePath: chromiumPath, commandTimeoutMs: 1_000 });
    let held: number[] = [];
    try {
      await impatient.render(await certificate('Mary Jackson'));
      const rendering = impatient.render(heavyPage());
      held = await holdRenderers((await impatient.browserIfRunning())!);
      await expect(rendering).rejects.toThrow(/took over 1000 ms/);
      expect(await impatient.openContexts()).toBe(0);
      expect(countPdfPages(await impatient.render(await certificate('Mary Jackson')))).toBe(1);
    } finally {
      // Disposing the context ends its renderer; this is only for a test that failed before that.
      for (const pid of held) signalIfAlive(pid, 'SIGKILL');
      await impatient.close();
    }
  });

  it('no script in the document runs', async () => {
    const pdf = await renderer.render(
      '<!doctype html><p id="p">as written</p><script>document.getElementById("p").textContent = "scripted"</script>',
    );
    const { text } = await pdfPages(pdf);
    expect(text).toContain('as written');
    expect(text).not.toContain('scripted');
  });

  it('the page fetches nothing: every request it makes fails', async () => {
    let requests = 0;
    const server = createServer((_req, res) => {
      requests += 1;
      res.end('x');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const pdf = await renderer.render(
        `<!doctype html><link rel="stylesheet" href="${origin}/style.css">` +
          `<style>@font-face { font-family: F; src: url(${origin}/font.woff2); } p { font-family: F; }</style>` +
          `<p>offline</p><img src="${origin}/image.png"><iframe src="${origin}/frame"></iframe>` +
          `<script>fetch('${origin}/fetch').catch(() => undefined); navigator.sendBeacon('${origin}/beacon', 'x');</script>`,
      );
      expect(countPdfPages(pdf)).toBe(1);
      expect(requests).toBe(0);
    } finally {
      server.close();
    }
  });
});
