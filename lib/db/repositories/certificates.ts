import type { Db } from '../knex';
import type { TrackCode } from '../../domain/tracks';

export interface CertificateRow {
  id: string;
  userId: string;
  trackCode: TrackCode;
  verificationCode: string;
  holderName: string;
  issuedAt: Date;
  pdfBlobKey: string | null;
  pdfSha256: string | null;
  pdfSize: number | null;
  revokedAt: Date | null;
  revocationReason: string | null;
  revokedBy: string | null;
  /** Its place in the status lists (lib/certificates/status-list.ts); never reused. */
  statusSeq: number;
  createdAt: Date;
  updatedAt: Date;
}

/** A code no certificate can have (it fails the table's CHECK), so a malformed lookup still runs the same query. */
const NEVER_A_CODE = '~'.repeat(16);

export const certificatesRepo = {
  async findById(db: Db, id: string): Promise<CertificateRow | undefined> {
    return db('certificates').where({ id }).first();
  },

  async find(db: Db, userId: string, track: string): Promise<CertificateRow | undefined> {
    return db('certificates').where({ userId, trackCode: track }).first();
  },

  /**
   * One indexed equality query whatever the input: a malformed code is swapped for one
   * that cannot exist, so an unknown code and a malformed one take the same path.
   */
  async findByCode(db: Db, normalizedCode: string | undefined): Promise<CertificateRow | undefined> {
    return db('certificates')
      .where({ verificationCode: normalizedCode ?? NEVER_A_CODE })
      .first();
  },

  async listForUser(db: Db, userId: string): Promise<CertificateRow[]> {
    return db('certificates').where({ userId }).orderBy('issuedAt');
  },

  /** Idempotent: one certificate per user and track; answers the existing one on a repeat. */
  async insertOnce(
    db: Db,
    row: { userId: string; trackCode: string; verificationCode: string; holderName: string },
  ): Promise<CertificateRow> {
    await db('certificates').insert(row).onConflict(['userId', 'trackCode']).ignore();
    return (await certificatesRepo.find(db, row.userId, row.trackCode))!;
  },

  async recordPdf(db: Db, id: string, pdf: { blobKey: string; sha256: string; size: number }): Promise<void> {
    await db('certificates')
      .where({ id })
      .update({ pdfBlobKey: pdf.blobKey, pdfSha256: pdf.sha256, pdfSize: pdf.size, updatedAt: db.fn.now() });
  },

  /**
   * What a status list needs for the numbers `from`..`to`: the highest number handed out
   * so far, and those of certificates that still stand (not revoked, not gone).
   */
  async statusRange(db: Db, from: number, to: number): Promise<{ allocatedThrough: number; standing: number[] }> {
    // Columns come back camelCased (lib/db/knex.ts), raw queries too.
    const { rows } = await db.raw<{ rows: Array<{ lastValue: number; isCalled: boolean }> }>(
      'SELECT last_value, is_called FROM certificate_status_seq',
    );
    const allocatedThrough = rows[0]!.isCalled ? Number(rows[0]!.lastValue) : -1;
    const standing: Array<{ statusSeq: number }> = await db('certificates')
      .whereBetween('statusSeq', [from, to])
      .whereNull('revokedAt')
      .select('statusSeq');
    return { allocatedThrough, standing: standing.map((row) => Number(row.statusSeq)) };
  },

  /** Idempotent: the first revocation (and its reason) stands. */
  async revoke(db: Db, id: string, reason: string, revokedBy: string | null): Promise<CertificateRow> {
    await db('certificates')
      .where({ id })
      .whereNull('revokedAt')
      .update({ revokedAt: db.fn.now(), revocationReason: reason, revokedBy, updatedAt: db.fn.now() });
    return (await certificatesRepo.findById(db, id))!;
  },
};
