import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from '../helpers/stack';
import { createTestUser, type TestUser } from '../helpers/users';
import { activeVersions, countRows, expectProblem, uniqueEmail } from '../helpers/accounts';
import { expectHostileInputRefused } from '../helpers/hostile-input';

let stack: TestStack;
let superadmin: TestUser;
let student: TestUser;
let versions: { privacyVersion: string; termsVersion: string };

beforeAll(async () => {
  stack = await startStack({ worker: false });
  superadmin = await createTestUser(stack.knex, { role: 'superadmin' });
  student = await createTestUser(stack.knex);
  versions = await activeVersions(stack.http);
});
afterAll(async () => {
  await stack?.close();
});

describe('hostile input on every account endpoint: 4xx problem+json, nothing written', () => {
  it('POST /api/auth/signup', async () => {
    const valid = {
      email: uniqueEmail(),
      password: 'correct horse battery',
      fullName: 'Ada',
      acceptPrivacyVersion: versions.privacyVersion,
      acceptTermsVersion: versions.termsVersion,
      marketingConsent: false,
      dataRetentionConsent: true,
    };
    const cases = await expectHostileInputRefused(stack.knex, stack.http, {
      method: 'POST',
      path: '/api/auth/signup',
      valid,
      fields: {
        email: { kind: 'email', required: true },
        password: { kind: 'password', required: true },
        fullName: { kind: 'name', required: true },
        acceptPrivacyVersion: { kind: 'version', required: true },
        acceptTermsVersion: { kind: 'version', required: true },
        marketingConsent: { kind: 'bool', required: false },
        dataRetentionConsent: { kind: 'bool', required: false },
      },
    });
    expect(cases).toBeGreaterThan(60);
    // The base body really is acceptable: the refusals above came from the mutations.
    expect((await stack.http.post('/api/auth/signup', valid)).status).toBe(201);
  });

  it('stores SQL-looking and unicode names literally', async () => {
    for (const fullName of ["Robert'); DROP TABLE users;--", 'Zoë 李小龍 🚀 Ωmega', 'مريم', '\u202Eevil']) {
      const res = await stack.http.post('/api/auth/signup', {
        email: uniqueEmail(),
        password: 'correct horse battery',
        fullName,
        acceptPrivacyVersion: versions.privacyVersion,
        acceptTermsVersion: versions.termsVersion,
      });
      expect(res.status, res.text).toBe(201);
      expect(res.body.user.fullName).toBe(fullName);
      expect((await stack.knex('users').where({ id: res.body.user.id }).first()).fullName).toBe(fullName);
    }
  });

  it('POST /api/auth/login', async () => {
    await expectHostileInputRefused(stack.knex, stack.http, {
      method: 'POST',
      path: '/api/auth/login',
      valid: { email: student.user.email, password: 'whatever-password' },
      fields: {
        email: { kind: 'email', required: true },
        password: { kind: 'password', required: true, invalid: [12345, null, [], {}, '', 'x'.repeat(201)] },
      },
    });
  });

  it('PATCH /api/me', async () => {
    await expectHostileInputRefused(stack.knex, stack.http, {
      method: 'PATCH',
      path: '/api/me',
      token: student.token,
      valid: { fullName: 'New Name', marketingConsent: true },
      fields: {
        fullName: { kind: 'name', required: false },
        marketingConsent: { kind: 'bool', required: false },
        dataRetentionConsent: { kind: 'bool', required: false },
      },
    });
  });

  it('POST /api/policies/accept', async () => {
    await expectHostileInputRefused(stack.knex, stack.http, {
      method: 'POST',
      path: '/api/policies/accept',
      token: student.token,
      valid: versions,
      fields: {
        privacyVersion: { kind: 'version', required: true },
        termsVersion: { kind: 'version', required: true },
      },
    });
  });

  it('POST /api/admin/policies', async () => {
    await expectHostileInputRefused(stack.knex, stack.http, {
      method: 'POST',
      path: '/api/admin/policies',
      token: superadmin.token,
      valid: {
        kind: 'privacy',
        version: '2030-01',
        content: 'Policy text',
        effectiveDate: '2030-01-01',
        activate: false,
      },
      fields: {
        kind: { kind: 'policyKind', required: true },
        version: { kind: 'version', required: true },
        content: { kind: 'text', required: true },
        effectiveDate: { kind: 'date', required: true },
        activate: { kind: 'bool', required: false },
      },
    });
  });

  it('POST /api/admin/users', async () => {
    await expectHostileInputRefused(stack.knex, stack.http, {
      method: 'POST',
      path: '/api/admin/users',
      token: superadmin.token,
      valid: { email: uniqueEmail(), fullName: 'Staff', role: 'trainer', password: 'a long enough password' },
      fields: {
        email: { kind: 'email', required: true },
        fullName: { kind: 'name', required: true },
        role: { kind: 'role', required: true },
        password: { kind: 'password', required: false },
      },
    });
  });

  it('POST /api/admin/trainers', async () => {
    await expectHostileInputRefused(stack.knex, stack.http, {
      method: 'POST',
      path: '/api/admin/trainers',
      token: superadmin.token,
      valid: { userId: student.user.id, tracks: ['DP'], maxStudents: 10 },
      fields: {
        userId: { kind: 'uuid', required: true },
        tracks: { kind: 'tracks', required: true },
        maxStudents: { kind: 'maxStudents', required: false },
      },
    });
  });

  it('POST /api/admin/users/:id/legal-hold', async () => {
    await expectHostileInputRefused(stack.knex, stack.http, {
      method: 'POST',
      path: `/api/admin/users/${student.user.id}/legal-hold`,
      token: superadmin.token,
      valid: { reason: 'Litigation' },
      fields: {
        reason: {
          kind: 'text',
          required: true,
          invalid: [12345, null, [], {}, true, '', '   ', 'a\u0000b', 'x'.repeat(1001)],
        },
      },
    });
    const before = await countRows(stack.knex);
    for (const id of [
      "' OR 1=1--",
      'nope',
      '%00',
      encodeURIComponent('é'.repeat(300)),
      '00000000-0000-0000-0000-00000000000g',
    ]) {
      expectProblem(
        await stack.http.as(superadmin.token).post(`/api/admin/users/${id}/legal-hold`, { reason: 'x' }),
        400,
        'validation_failed',
      );
      expectProblem(
        await stack.http.as(superadmin.token).delete(`/api/admin/users/${id}/legal-hold`),
        400,
        'validation_failed',
      );
    }
    expect(await countRows(stack.knex)).toEqual(before);
    expect((await stack.knex('users').where({ id: student.user.id }).first()).legalHold).toBe(false);
  });

  it('POST /api/auth/logout and DELETE legal-hold refuse oversized and malformed bodies, revoking and lifting nothing', async () => {
    const { token } = await createTestUser(stack.knex);
    const held = await createTestUser(stack.knex);
    await stack
      .knex('users')
      .where({ id: held.user.id })
      .update({ legalHold: true, legalHoldReason: 'kept', legalHoldAt: new Date() });
    const before = await countRows(stack.knex);
    const json = { 'content-type': 'application/json' };
    for (const [as, method, path] of [
      [token, 'POST', '/api/auth/logout'],
      [superadmin.token, 'DELETE', `/api/admin/users/${held.user.id}/legal-hold`],
    ] as const) {
      expectProblem(
        await stack.http.as(as).request(method, path, `{"pad":"${'a'.repeat(1024 * 1024)}"}`, json),
        413,
        'payload_too_large',
      );
      expectProblem(await stack.http.as(as).request(method, path, '{"token": ', json), 400, 'validation_failed');
      expectProblem(
        await stack.http
          .as(as)
          .request(method, path, '{"x":1}', { 'content-type': 'application/json; charset=latin1' }),
        415,
        'unsupported_media_type',
      );
    }
    expect(await countRows(stack.knex)).toEqual(before);
    expect((await stack.http.as(token).get('/api/me')).status).toBe(200);
    expect((await stack.knex('users').where({ id: held.user.id }).first()).legalHold).toBe(true);
  });

  it('refuses hostile tokens and cookies as unauthenticated on signed-in endpoints', async () => {
    const before = await countRows(stack.knex, ['users', 'sessions', 'user_consents']);
    const hostile = ["' OR 1=1--", 'a'.repeat(5000), 'tok\u0007en', `${student.token}x`, ''];
    for (const token of hostile) {
      for (const [method, path] of [
        ['GET', '/api/me'],
        ['PATCH', '/api/me'],
        ['POST', '/api/auth/logout'],
        ['POST', '/api/policies/accept'],
      ] as const) {
        const headers = {
          authorization: `Bearer ${token.replace(/[^\x20-\x7e]/g, '?')}`,
          cookie: `cohort_session=${encodeURIComponent(token)}`,
        };
        expectProblem(
          await stack.http.request(method, path, method === 'GET' ? undefined : {}, headers),
          401,
          'unauthenticated',
        );
      }
    }
    expect(await countRows(stack.knex, ['users', 'sessions', 'user_consents'])).toEqual(before);
    // The student's real session survived all of that.
    expect((await stack.http.as(student.token).get('/api/me')).status).toBe(200);
  });
});
