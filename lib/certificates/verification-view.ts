import type { Db } from '../db/knex';
import { certificatesRepo, type CertificateRow } from '../db/repositories/certificates';
import { curriculumRepo } from '../db/repositories/curriculum';
import { formatVerificationCode, normalizeVerificationCode } from '../domain/certificates';
import { certificatePdfUrl, verifyUrl } from './links';

export interface CertificateVerification {
  certificate: CertificateRow;
  trackName: string;
  code: string;
  verifyUrl: string;
  pdfUrl: string;
}

/**
 * A certificate by the code a person typed or scanned. The code is normalized and looked
 * up in one indexed query whether or not it is well-formed, so an unknown code and a
 * malformed one cost the same and say nothing about which codes exist.
 */
export async function findCertificateByCode(
  db: Db,
  typedCode: string,
  publicBaseUrl: string,
): Promise<CertificateVerification | undefined> {
  const certificate = await certificatesRepo.findByCode(db, normalizeVerificationCode(typedCode));
  if (!certificate) return undefined;
  const track = await curriculumRepo.findTrack(db, certificate.trackCode);
  return {
    certificate,
    trackName: track?.name ?? certificate.trackCode,
    code: formatVerificationCode(certificate.verificationCode),
    verifyUrl: verifyUrl(publicBaseUrl, certificate.verificationCode),
    pdfUrl: certificatePdfUrl(publicBaseUrl, certificate.verificationCode),
  };
}
