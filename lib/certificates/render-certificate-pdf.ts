import type { BlobStore } from '../adapters/blob-store/types';
import type { PdfRenderer } from '../adapters/pdf';
import type { Db } from '../db/knex';
import { certificatesRepo } from '../db/repositories/certificates';
import { formatVerificationCode } from '../domain/certificates';
import { renderCertificateHtml } from '../../templates/certificate/render';
import { certificateBlobKey, verifyUrl } from './links';

export interface RenderedCertificate {
  blobKey: string;
  sha256: string;
  size: number;
}

/** The certificate's HTML, from its row (the holder's name as at issuance) and its track's name. */
export async function certificateHtml(
  db: Db,
  certificateId: string,
  publicBaseUrl: string,
): Promise<string | undefined> {
  const certificate = await certificatesRepo.findById(db, certificateId);
  if (!certificate) return undefined;
  const track = await db('tracks').where({ code: certificate.trackCode }).first('name');
  return renderCertificateHtml({
    holderName: certificate.holderName,
    trackName: track?.name ?? certificate.trackCode,
    issuedAt: certificate.issuedAt,
    code: formatVerificationCode(certificate.verificationCode),
    verifyUrl: verifyUrl(publicBaseUrl, certificate.verificationCode),
  });
}

/**
 * Idempotent: the certificate's PDF in the blob store (key from its id) with its SHA-256
 * recorded on the row. A PDF already stored is kept as it is. `onProgress` is called
 * between steps (the activity heartbeats).
 */
export async function renderCertificatePdf(
  deps: { db: Db; blobStore: BlobStore; renderer: PdfRenderer; publicBaseUrl: string },
  certificateId: string,
  onProgress: (step: string) => void = () => undefined,
): Promise<RenderedCertificate | undefined> {
  const certificate = await certificatesRepo.findById(deps.db, certificateId);
  if (!certificate) return undefined;
  const blobKey = certificateBlobKey(certificate.id);
  if (certificate.pdfBlobKey && certificate.pdfSha256 && (await deps.blobStore.exists(certificate.pdfBlobKey))) {
    return { blobKey: certificate.pdfBlobKey, sha256: certificate.pdfSha256, size: certificate.pdfSize ?? 0 };
  }
  const html = (await certificateHtml(deps.db, certificateId, deps.publicBaseUrl))!;
  onProgress('rendering');
  const pdf = await deps.renderer.render(html);
  onProgress('storing');
  const { sha256, size } = await deps.blobStore.put(blobKey, pdf, { contentType: 'application/pdf' });
  await certificatesRepo.recordPdf(deps.db, certificate.id, { blobKey, sha256, size });
  return { blobKey, sha256, size };
}
