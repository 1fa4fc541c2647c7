import { randomUUID } from 'node:crypto';
import { expect, vi } from 'vitest';
import type { Knex } from '../../lib/db/knex';
import type { HttpClient, HttpResponse } from './http';

export const ACCOUNT_TABLES = [
  'users',
  'sessions',
  'user_consents',
  'oauth_accounts',
  'privacy_policies',
  'terms_of_service',
  'trainers',
  'audit_logs',
] as const;

/** Row counts of the account tables, to assert a refused request wrote nothing. */
export async function countRows(
  knex: Knex,
  tables: readonly string[] = ACCOUNT_TABLES,
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const [row] = await knex(table).count<{ count: number }[]>({ count: '*' });
    counts[table] = Number(row!.count);
  }
  return counts;
}

export async function activeVersions(http: HttpClient): Promise<{ privacyVersion: string; termsVersion: string }> {
  const res = await http.get('/api/policies/current');
  return { privacyVersion: res.body.privacy.version, termsVersion: res.body.terms.version };
}

export const uniqueEmail = (prefix = 'student') => `${prefix}-${randomUUID().slice(0, 8)}@example.test`;

/** Signs a student up over HTTP with the active versions accepted. */
export async function signUpOverHttp(http: HttpClient, overrides: Record<string, unknown> = {}) {
  const versions = await activeVersions(http);
  const body = {
    email: uniqueEmail(),
    password: 'correct horse battery',
    fullName: 'Ada Lovelace',
    acceptPrivacyVersion: versions.privacyVersion,
    acceptTermsVersion: versions.termsVersion,
    ...overrides,
  };
  const res = await http.post('/api/auth/signup', body);
  expect(res.status, res.text).toBe(201);
  return { token: res.body.token as string, user: res.body.user, email: body.email, password: body.password };
}

export function expectProblem(res: HttpResponse, status: number, code: string): void {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expect(res.body.code).toBe(code);
}

/**
 * Audit rows matching `where`, once `ready` holds: the audited middleware writes after the
 * response is sent, so a test reading right away waits for the write to land.
 */
export async function waitForAudit<T = any>(read: () => Promise<T[]>, ready: (rows: T[]) => boolean): Promise<T[]> {
  return vi.waitFor(
    async () => {
      const rows = await read();
      if (!ready(rows)) throw new Error(`audit rows not there yet (${rows.length})`);
      return rows;
    },
    { timeout: 5_000, interval: 50 },
  );
}
