import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Handlebars from 'handlebars';
import QRCode from 'qrcode';

/*
 * The certificate (printed to PDF by Chromium) and the public verification page.
 * Handlebars escapes every {{value}}: a holder named `<script>` is text, never markup.
 * The fonts (EB Garamond from @fontsource, OFL) are inlined as data: URLs, so the PDF
 * embeds them and neither page fetches anything.
 */
const hbs = Handlebars.create();
const read = (file: string) => readFileSync(new URL(file, import.meta.url), 'utf8');
const certificateTemplate = hbs.compile(read('./certificate.html.hbs'));
const verifyTemplate = hbs.compile(read('./verify.html.hbs'));

const require = createRequire(import.meta.url);
const fontDataUrl = (weight: number) =>
  `data:font/woff2;base64,${readFileSync(
    require.resolve(`@fontsource/eb-garamond/files/eb-garamond-latin-${weight}-normal.woff2`),
  ).toString('base64')}`;
let fonts: { regular: string; bold: string } | undefined;
const embeddedFonts = () => (fonts ??= { regular: fontDataUrl(400), bold: fontDataUrl(700) });

const formatDate = (date: Date) =>
  new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(date);

/** A QR code of `url` as an SVG data: URL. */
export async function qrDataUrl(url: string): Promise<string> {
  const svg = await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 });
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}

export interface CertificateDocument {
  holderName: string;
  trackName: string;
  issuedAt: Date;
  /** The grouped code, `XXXX-XXXX-XXXX-XXXX`. */
  code: string;
  verifyUrl: string;
}

/** The certificate as one self-contained HTML page sized to A4 landscape. */
export async function renderCertificateHtml(doc: CertificateDocument): Promise<string> {
  // Long names step down in size so the page never spills onto a second one.
  const length = [...doc.holderName].length;
  const nameSize = length <= 28 ? 40 : length <= 44 ? 32 : length <= 70 ? 24 : 16;
  return certificateTemplate({
    ...doc,
    issuedDate: formatDate(doc.issuedAt),
    nameSize,
    fonts: embeddedFonts(),
    qrDataUrl: await qrDataUrl(doc.verifyUrl),
  });
}

export interface VerifyPageData {
  holderName: string;
  trackCode: string;
  trackName: string;
  issuedAt: Date;
  code: string;
  verifyUrl: string;
  pdfUrl: string;
  revokedAt: Date | null;
  revocationReason: string | null;
  /** LinkedIn's add-to-profile link for this certification. */
  linkedInUrl: string;
}

/** The verification page a person reads; `nonce` is its CSP's style nonce. */
export async function renderVerifyPage(data: VerifyPageData | undefined, nonce: string): Promise<string> {
  if (!data) return verifyTemplate({ found: false, nonce, fonts: embeddedFonts() });
  return verifyTemplate({
    ...data,
    found: true,
    nonce,
    fonts: embeddedFonts(),
    revoked: data.revokedAt !== null,
    issuedDate: formatDate(data.issuedAt),
    revokedDate: data.revokedAt ? formatDate(data.revokedAt) : undefined,
    qrDataUrl: await qrDataUrl(data.verifyUrl),
  });
}

/** https://addtoprofile.linkedin.com: a certification entry prefilled with the name, issue date, code and link. */
export function linkedInAddToProfileUrl(input: {
  certificationName: string;
  issuedAt: Date;
  code: string;
  verifyUrl: string;
}): string {
  const query = new URLSearchParams({
    startTask: 'CERTIFICATION_NAME',
    name: input.certificationName,
    organizationName: 'Cohort Bootcamp',
    issueYear: String(input.issuedAt.getUTCFullYear()),
    issueMonth: String(input.issuedAt.getUTCMonth() + 1),
    certUrl: input.verifyUrl,
    certId: input.code,
  });
  return `https://www.linkedin.com/profile/add?${query.toString()}`;
}
