import { formatVerificationCode } from '../domain/certificates';

const base = (publicBaseUrl: string) => publicBaseUrl.replace(/\/+$/, '');

/** The public page a person (or a QR scan) opens to check a certificate. */
export const verifyUrl = (publicBaseUrl: string, code: string) =>
  `${base(publicBaseUrl)}/verify/${formatVerificationCode(code)}`;

/** The PDF through the API (which serves it, or redirects to a signed blob link). */
export const certificatePdfUrl = (publicBaseUrl: string, code: string) =>
  `${base(publicBaseUrl)}/api/certificates/${formatVerificationCode(code)}/pdf`;

/** Blob keys carry ids only. */
export const certificateBlobKey = (certificateId: string) => `certificates/${certificateId}.pdf`;

/** The issuer's Bitstring Status List credential number `list` (1, 2, …). */
export const statusListUrl = (publicBaseUrl: string, list: number) =>
  `${base(publicBaseUrl)}/api/credentials/status/${list}`;
