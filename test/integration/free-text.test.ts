import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countRows, expectProblem, signUpOverHttp, uniqueEmail } from '../helpers/accounts';
import { enrollStudent, trackOutline } from '../helpers/enrollment';
import { startStack, type TestStack } from '../helpers/stack';
import { createTestUser, type TestUser } from '../helpers/users';

/**
 * Every field a person types text into refuses control characters (NUL, ESC, BEL, C1)
 * with 400 and writes nothing; line breaks and tabs stay allowed where text spans lines.
 */
let stack: TestStack;
let admin: TestUser;
let superadmin: TestUser;
let student: TestUser;
let trainer: TestUser;
let enrollmentId: string;
let projectId: string;
let deliverableId: string;
let submissionId: string;

const TABLES = [
  'users',
  'privacy_policies',
  'terms_of_service',
  'enrollments',
  'enrollment_status_requests',
  'submissions',
  'external_resources',
  'audit_logs',
];
const HOSTILE = ['a\u0000b', 'a\u001b[2Jb', 'a\u0007b', 'a\u0085b', 'a\u007fb'];

beforeAll(async () => {
  stack = await startStack();
  [admin, superadmin, student, trainer] = await Promise.all([
    createTestUser(stack.knex, { role: 'admin' }),
    createTestUser(stack.knex, { role: 'superadmin' }),
    createTestUser(stack.knex),
    createTestUser(stack.knex, { role: 'trainer' }),
  ]);
  ({ enrollmentId } = await enrollStudent(stack.knex, {
    userId: student.user.id,
    trainerUserId: trainer.user.id,
    track: 'FSD',
  }));
  const outline = await trackOutline(stack.knex, 'FSD');
  projectId = outline[0]!.id;
  deliverableId = outline[0]!.steps[0]!.deliverables[0]!.id;
  expect((await stack.http.as(student.token).post(`/api/projects/${projectId}/start`)).status).toBe(200);
  const submitted = await stack.http
    .as(student.token)
    .post(`/api/projects/${projectId}/submissions`, { deliverableId, repoUrl: 'https://github.com/ada-l/free-text' });
  expect(submitted.status, submitted.text).toBe(201);
  submissionId = submitted.body.id;
});
afterAll(async () => {
  await stack?.close();
});

interface FreeTextField {
  label: string;
  method: 'POST' | 'PATCH';
  path: () => string;
  token: () => string;
  body: (value: string) => Record<string, unknown>;
}

const FIELDS: FreeTextField[] = [
  {
    label: 'sign-up fullName',
    method: 'POST',
    path: () => '/api/auth/signup',
    token: () => '',
    body: (fullName) => ({
      email: uniqueEmail(),
      password: 'correct horse battery',
      fullName,
      acceptPrivacyVersion: 'x',
      acceptTermsVersion: 'x',
    }),
  },
  {
    label: 'profile fullName',
    method: 'PATCH',
    path: () => '/api/me',
    token: () => student.token,
    body: (fullName) => ({ fullName }),
  },
  {
    label: 'admin-created user fullName',
    method: 'POST',
    path: () => '/api/admin/users',
    token: () => admin.token,
    body: (fullName) => ({ email: uniqueEmail(), fullName, role: 'student' }),
  },
  {
    label: 'policy content',
    method: 'POST',
    path: () => '/api/admin/policies',
    token: () => superadmin.token,
    body: (content) => ({
      kind: 'privacy',
      version: 'v-free-text',
      content,
      effectiveDate: '2027-01-01',
      activate: false,
    }),
  },
  {
    label: 'legal-hold reason',
    method: 'POST',
    path: () => `/api/admin/users/${student.user.id}/legal-hold`,
    token: () => admin.token,
    body: (reason) => ({ reason }),
  },
  {
    label: 'suspension reason',
    method: 'POST',
    path: () => `/api/admin/enrollments/${enrollmentId}/suspend`,
    token: () => admin.token,
    body: (reason) => ({ reason }),
  },
  {
    label: 'reinstatement reason',
    method: 'POST',
    path: () => `/api/admin/enrollments/${enrollmentId}/reinstate`,
    token: () => admin.token,
    body: (reason) => ({ reason }),
  },
  {
    label: 'manual enrollment notes',
    method: 'POST',
    path: () => '/api/admin/enroll-student',
    token: () => admin.token,
    body: (notes) => ({ userId: student.user.id, track: 'DP', bypassPayment: true, notes }),
  },
  {
    label: 'submission notes',
    method: 'POST',
    path: () => `/api/projects/${projectId}/submissions`,
    token: () => student.token,
    body: (notes) => ({ deliverableId, repoUrl: 'https://github.com/ada-l/notes', notes }),
  },
  {
    label: 'submission deployment URL',
    method: 'POST',
    path: () => `/api/projects/${projectId}/submissions`,
    token: () => student.token,
    body: (text) => ({ deliverableId, deploymentUrl: `https://ada.example.test/${text}` }),
  },
  {
    label: 'review feedback',
    method: 'POST',
    path: () => `/api/submissions/${submissionId}/review`,
    token: () => trainer.token,
    body: (feedback) => ({ decision: 'APPROVED', feedback }),
  },
  {
    label: 'external resource URL',
    method: 'POST',
    path: () => '/api/external-resources',
    token: () => student.token,
    body: (text) => ({ resourceType: 'NETLIFY', resourceUrl: `https://ada.example.test/${text}` }),
  },
];

describe('free text refuses control characters', () => {
  for (const field of FIELDS) {
    it(`${field.label}: 400 validation_failed for NUL, ESC, BEL, NEL and DEL, nothing written`, async () => {
      const before = await countRows(stack.knex, TABLES);
      for (const value of HOSTILE) {
        const res = await stack.http
          .as(field.token() || undefined)
          .request(field.method, field.path(), field.body(value));
        expectProblem(res, 400, 'validation_failed');
        expect(res.body.errors?.[0]?.message, `${field.label} ${JSON.stringify(value)}`).toMatch(/control characters/);
      }
      expect(await countRows(stack.knex, TABLES)).toEqual(before);
    });
  }

  it('keeps line breaks and tabs in text that spans lines, and unicode everywhere', async () => {
    const feedback = 'Two things:\n\t- add tests\r\n\t- a README';
    const reviewed = await stack.http
      .as(trainer.token)
      .post(`/api/submissions/${submissionId}/review`, { decision: 'CHANGES_REQUESTED', feedback });
    expect(reviewed.status, reviewed.text).toBe(200);
    expect(reviewed.body.submission.feedback).toBe(feedback);
    const notes = 'Line one\n\tindented line two\r\nZoë 李 🚀';
    const res = await stack.http.as(student.token).post(`/api/projects/${projectId}/submissions`, {
      deliverableId,
      repoUrl: 'https://github.com/ada-l/multiline',
      notes,
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body.notes).toBe(notes);
    const hold = await stack.http
      .as(admin.token)
      .post(`/api/admin/users/${student.user.id}/legal-hold`, { reason: 'Case 17:\n\tkeep records' });
    expect(hold.status, hold.text).toBe(200);
    // A name is one line: a line break inside it is refused.
    expectProblem(
      await stack.http.as(student.token).patch('/api/me', { fullName: 'Ada\nLovelace' }),
      400,
      'validation_failed',
    );
    const { user } = await signUpOverHttp(stack.http, { fullName: 'Zoë 李小龍 \u202Eevil' });
    expect(user.fullName).toBe('Zoë 李小龍 \u202Eevil');
  });
});
