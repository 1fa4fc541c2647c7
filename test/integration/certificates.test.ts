import { mkdirSync, writeFileSync } from 'node:fs';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { decodeList } from '@digitalbazaar/vc-bitstring-status-list';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../scripts/lib/tools';
import { startPendingCertifications } from '../../worker/certification-sweep';
import { enrollStudent, trackOutline } from '../helpers/enrollment';
import { startStack, type TestStack } from '../helpers/stack';
import { createTestUser, type TestUser } from '../helpers/users';

let stack: TestStack;
let browser: Browser;
const ARTIFACTS = join(PROJECT_ROOT, '.data/test-artifacts');

beforeAll(async () => {
  stack = await startStack();
  browser = await chromium.launch({ executablePath: stack.config.CHROMIUM_PATH, headless: true });
  mkdirSync(ARTIFACTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

/**
 * With RECORD_HISTORIES=1, saves a finished workflow's history into test/histories/ for the
 * replay test (how certification-*.json and review-8.json were recorded).
 */
async function recordHistory(workflowId: string, file: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  writeFileSync(join(PROJECT_ROOT, 'test/histories', file), historyToJSON(await stack.decodedHistory(workflowId)));
}

/** PUBLIC_BASE_URL links pointed at the test API. */
const local = (url: string) => url.replace(stack.config.PUBLIC_BASE_URL.replace(/\/$/, ''), stack.baseUrl);

/**
 * The bit of the certificate's entry in the status list the API serves (as any verifier
 * reads it), after checking that the list itself verifies against the issuer's key.
 */
async function statusBit(credential: { credentialStatus: { statusListCredential: string; statusListIndex: string } }) {
  const served = await stack.http.get(new URL(credential.credentialStatus.statusListCredential).pathname);
  expect(served.status).toBe(200);
  expect(served.headers.get('content-type')).toContain('application/ld+json');
  const list = JSON.parse(served.text);
  expect(list.type).toEqual(['VerifiableCredential', 'BitstringStatusListCredential']);
  expect((await stack.http.post('/api/credentials/verify', { credential: list })).body).toMatchObject({
    verified: true,
  });
  const bits = await decodeList({ encodedList: list.credentialSubject.encodedList });
  return bits.getStatus(Number(credential.credentialStatus.statusListIndex));
}

async function pdfText(data: Buffer): Promise<{ pages: number; text: string }> {
  const doc = await getDocument({ data: new Uint8Array(data), useSystemFonts: false, isEvalSupported: false }).promise;
  let text = '';
  for (let n = 1; n <= doc.numPages; n++) {
    const content = await (await doc.getPage(n)).getTextContent();
    text += content.items.map((item) => ('str' in item ? item.str : '')).join(' ') + '\n';
  }
  const pages = doc.numPages;
  await doc.destroy();
  return { pages, text: text.replace(/\s+/g, ' ') };
}

/** Every required project of FSD completed but the last, which is left IN_PROGRESS with its steps done. */
async function nearlyGraduated(fullName: string) {
  const student = await createTestUser(stack.knex, { fullName });
  const trainer = await createTestUser(stack.knex, { role: 'trainer' });
  await enrollStudent(stack.knex, { userId: student.user.id, trainerUserId: trainer.user.id, track: 'FSD' });
  const required = (await trackOutline(stack.knex, 'FSD')).filter((p) => p.required);
  const last = required.at(-1)!;
  for (const project of required.slice(0, -1)) {
    await stack
      .knex('student_progress')
      .insert({ userId: student.user.id, projectId: project.id, status: 'COMPLETED', completedAt: new Date() })
      .onConflict(['userId', 'projectId'])
      .merge({ status: 'COMPLETED', completedAt: new Date() });
  }
  await stack
    .knex('student_progress')
    .insert({ userId: student.user.id, projectId: last.id, status: 'UNLOCKED', unlockedAt: new Date() })
    .onConflict(['userId', 'projectId'])
    .merge({ status: 'UNLOCKED' });
  return { student, trainer, last };
}

/** The student submits every deliverable of the last project and the trainer approves each. */
async function finishLastProject(
  student: TestUser,
  trainer: TestUser,
  last: Awaited<ReturnType<typeof nearlyGraduated>>['last'],
) {
  const as = stack.http.as(student.token);
  expect((await as.post(`/api/projects/${last.id}/start`)).status).toBe(200);
  for (const step of last.steps) expect((await as.post(`/api/steps/${step.id}/complete`)).status).toBe(200);
  let outcome: any;
  for (const deliverable of last.steps.flatMap((s) => s.deliverables)) {
    const submitted = await as.post(`/api/projects/${last.id}/submissions`, {
      deliverableId: deliverable.id,
      repoUrl: 'https://github.com/grad/capstone',
    });
    expect(submitted.status).toBe(201);
    const reviewed = await stack.http
      .as(trainer.token)
      .post(`/api/submissions/${submitted.body.id}/review`, { decision: 'APPROVED', feedback: 'Great.' });
    expect(reviewed.status).toBe(200);
    outcome = reviewed.body.outcome;
  }
  return outcome;
}

describe('certificates', () => {
  const hostileName = 'Ada <b>Love</b> & "Lace" <script>alert(1)</script>';
  let code: string;
  let student: TestUser;

  it('completing the last project issues exactly one certificate, graduates and emails the verification link', async () => {
    const setup = await nearlyGraduated(hostileName);
    student = setup.student;
    const early = await stack.http.as(student.token).post('/api/certificates/generate', { track: 'FSD' });
    expect(early.status).toBe(409);
    expect(early.body.missingProjects).toEqual([{ projectId: setup.last.id, title: setup.last.title }]);
    expect(early.body.detail).toContain(setup.last.title);

    const outcome = await finishLastProject(setup.student, setup.trainer, setup.last);
    const workflowId = `certificate:${student.user.id}:FSD`;
    expect(outcome).toMatchObject({ projectCompleted: true, certificationWorkflowId: workflowId });

    const handle = stack.client.workflow.getHandle(workflowId);
    const result = await handle.result();
    expect(result).toMatchObject({ status: 'ISSUED', pdfSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(await handle.query('status')).toBe('issued');
    await recordHistory(workflowId, 'certification-1.json');
    const lastReview = await stack
      .knex('submissions')
      .where({ userId: student.user.id })
      .orderBy('reviewedAt', 'desc')
      .first();
    await stack.client.workflow.getHandle(`review:${lastReview.id}`).result();
    await recordHistory(`review:${lastReview.id}`, 'review-8.json');
    const described = await handle.describe();
    expect(described.typedSearchAttributes.getAll().map((p) => [p.key.name, p.value])).toEqual(
      expect.arrayContaining([
        ['CohortKind', 'certification'],
        ['CohortUserId', student.user.id],
        ['CohortTrack', 'FSD'],
        ['CohortPhase', 'ISSUED'],
      ]),
    );

    // A request afterwards answers the same certificate; nothing new is issued.
    const again = await stack.http.as(student.token).post('/api/certificates/generate', { track: 'FSD' });
    expect(again.status).toBe(200);
    const rows = await stack.knex('certificates').where({ userId: student.user.id });
    expect(rows).toHaveLength(1);
    const [row] = rows;
    expect(row.holderName).toBe(hostileName);
    expect(row.verificationCode).toMatch(/^[0-9A-HJKMNP-TV-Z]{16}$/);
    expect(row.pdfSha256).toBe(result.pdfSha256);
    code = again.body.verificationCode;
    expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
    expect(code.replace(/-/g, '')).toBe(row.verificationCode);

    const enrollment = await stack.knex('enrollments').where({ userId: student.user.id, trackCode: 'FSD' }).first();
    expect(enrollment.status).toBe('COMPLETED');
    expect(enrollment.graduationDate).toBe(new Date(row.issuedAt).toISOString().slice(0, 10));

    const emails = await stack
      .knex('email_messages')
      .where({ userId: student.user.id, template: 'certificate-issued' });
    expect(emails).toHaveLength(1);
    expect(emails[0].textBody).toContain(`/verify/${code}`);
    expect(emails[0].textBody).toContain(code);
    const list = await stack.http.as(student.token).get('/api/certificates');
    expect(list.body).toEqual([
      { verificationCode: code, track: 'FSD', issuedAt: expect.any(String), revokedAt: null },
    ]);
  });

  it('the PDF holds the name, the track and the code on exactly one A4 landscape page, stored with its SHA-256', async () => {
    const redirect = await stack.http.get(`/api/certificates/${code.toLowerCase()}/pdf`);
    expect(redirect.status).toBe(302);
    const location = redirect.headers.get('location')!;
    expect(location).toMatch(/\/api\/blobs\/certificates\/[0-9a-f-]{36}\.pdf\?expires=\d+&name=.*&sig=/);
    const download = await fetch(local(location));
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/pdf');
    const bytes = Buffer.from(await download.arrayBuffer());
    const { createHash } = await import('node:crypto');
    const row = await stack.knex('certificates').where({ userId: student.user.id }).first();
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(row.pdfSha256);

    const { pages, text } = await pdfText(bytes);
    expect(pages).toBe(1);
    expect(text).toContain(hostileName.replace(/\s+/g, ' '));
    expect(text).toContain('Full Stack');
    expect(text).toContain(code);
    const doc = await getDocument({ data: new Uint8Array(bytes) }).promise;
    const [, , width, height] = (await doc.getPage(1)).view;
    await doc.destroy();
    expect(Math.round(width!)).toBe(842); // A4 landscape in points
    expect(Math.round(height!)).toBe(595);

    // A tampered link is refused.
    const tampered = local(location).replace(/sig=[^&]+/, 'sig=' + 'A'.repeat(43));
    const refused = await fetch(tampered);
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
  });

  it('the verification JSON and page show holder, track, date and status; the name is escaped', async () => {
    const json = await stack.http.get(`/api/certificates/${code}`);
    expect(json.status).toBe(200);
    expect(json.body).toMatchObject({ valid: true, holderName: hostileName, track: 'FSD', revokedAt: null });

    const raw = await stack.http.get(`/verify/${code}`);
    expect(raw.status).toBe(200);
    expect(raw.headers.get('content-security-policy')).toMatch(/default-src 'none'; style-src 'nonce-/);
    expect(raw.text).not.toContain('<script>alert(1)</script>');
    expect(raw.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');

    const page = await browser.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(`${stack.baseUrl}/verify/${code}`);
    expect(await page.textContent('#holder')).toBe(hostileName);
    expect(await page.textContent('#track')).toContain('FSD');
    expect(await page.textContent('#code')).toBe(code);
    expect(await page.textContent('#status')).toBe('Valid');
    expect(await page.getAttribute('a[href*="linkedin.com/profile/add"]', 'href')).toContain(encodeURIComponent(code));
    // The styles applied under the page's own CSP (the status pill's colour comes from the nonce'd sheet).
    expect(await page.evaluate("getComputedStyle(document.getElementById('status')).borderRadius")).not.toBe('0px');
    await page.screenshot({ path: join(ARTIFACTS, 'certificate-verify-valid.png'), fullPage: true });
    expect(dialogs).toEqual([]);
    await page.close();
  });

  it('the signed Open Badges credential verifies through the API, and fails after one changed byte', async () => {
    const download = await stack.http.get(`/api/certificates/${code}/credential`);
    expect(download.status).toBe(200);
    const credential = JSON.parse(download.text);
    expect(credential.type).toEqual(['VerifiableCredential', 'OpenBadgeCredential']);
    expect(credential.credentialSubject.name).toBe(hostileName);
    const issuer = await stack.http.get('/api/issuer');
    expect(issuer.body.verificationMethod[0].publicKeyMultibase).toMatch(/^z6Mk/);
    const checked = await stack.http.post('/api/credentials/verify', { credential });
    expect(checked.body).toEqual({ verified: true, revoked: false, valid: true, errors: [] });
    expect(credential.credentialStatus).toMatchObject({
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
    });
    expect(await statusBit(credential)).toBe(false);
    const tampered = download.text.replace('Full Stack', 'Full Stac' + String.fromCharCode('k'.charCodeAt(0) ^ 1));
    expect(tampered).not.toBe(download.text);
    const refused = await stack.http.post('/api/credentials/verify', { credential: JSON.parse(tampered) });
    expect(refused.body).toMatchObject({ verified: false, valid: false });
  });

  it('an admin revokes with a reason: both the JSON and the page say so', async () => {
    const admin = await createTestUser(stack.knex, { role: 'admin' });
    expect(
      (await stack.http.as(student.token).post(`/api/admin/certificates/${code}/revoke`, { reason: 'x' })).status,
    ).toBe(403);
    const revoked = await stack.http
      .as(admin.token)
      .post(`/api/admin/certificates/${code}/revoke`, { reason: 'Plagiarised capstone' });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ valid: false, revocationReason: 'Plagiarised capstone' });

    const json = await stack.http.get(`/api/certificates/${code}`);
    expect(json.body).toMatchObject({
      valid: false,
      revokedAt: expect.any(String),
      revocationReason: 'Plagiarised capstone',
    });
    const page = await browser.newPage();
    await page.goto(`${stack.baseUrl}/verify/${code}`);
    expect(await page.textContent('#status')).toBe('Revoked');
    expect(await page.textContent('main')).toContain('Plagiarised capstone');
    expect(await page.textContent('#holder')).toBe(hostileName);
    await page.screenshot({ path: join(ARTIFACTS, 'certificate-verify-revoked.png'), fullPage: true });
    // The credential still carries a good proof, but its verification says it was revoked.
    const credential = JSON.parse((await stack.http.get(`/api/certificates/${code}/credential`)).text);
    const checked = await stack.http.post('/api/credentials/verify', { credential });
    expect(checked.body).toEqual({ verified: true, revoked: true, valid: false, errors: [] });
    // And the published status list, which a verifier reads without asking about this certificate.
    expect(await statusBit(credential)).toBe(true);
    await page.close();
  });

  it('a status list no certificate is numbered into yet answers 404; a malformed list number 400', async () => {
    expect((await stack.http.get('/api/credentials/status/9999')).status).toBe(404);
    for (const bad of ['0', '-1', 'x', '1.5'])
      expect((await stack.http.get(`/api/credentials/status/${bad}`)).status).toBe(400);
  });

  it('unknown and malformed codes answer 404 alike', async () => {
    for (const bad of ['0000-0000-0000-0000', 'not-a-code', 'ZZZZ', `${'A'.repeat(64)}`, "' OR 1=1 --"]) {
      const json = await stack.http.get(`/api/certificates/${encodeURIComponent(bad)}`);
      expect(json.status).toBe(404);
      expect(json.body.code).toBe('not_found');
      expect((await stack.http.get(`/api/certificates/${encodeURIComponent(bad)}/pdf`)).status).toBe(404);
      const page = await stack.http.get(`/verify/${encodeURIComponent(bad)}`);
      expect(page.status).toBe(404);
      expect(page.text).toContain('Certificate not found');
    }
  });

  it('an admin generates for a user; a student cannot for someone else; idempotent per user and track', async () => {
    const other = await nearlyGraduated('Grace Hopper');
    await stack.knex('student_progress').where({ userId: other.student.user.id }).update({ status: 'COMPLETED' });
    const admin = await createTestUser(stack.knex, { role: 'admin' });
    const forbidden = await stack.http
      .as(student.token)
      .post('/api/certificates/generate', { track: 'FSD', userId: other.student.user.id });
    expect(forbidden.status).toBe(403);
    const [first, second] = await Promise.all([
      stack.http.as(admin.token).post('/api/certificates/generate', { track: 'fsd', userId: other.student.user.id }),
      stack.http.as(admin.token).post('/api/certificates/generate', { track: 'FSD', userId: other.student.user.id }),
    ]);
    expect([first.status, second.status]).toEqual([202, 202]);
    expect(first.body.workflowId).toBe(`certificate:${other.student.user.id}:FSD`);
    expect(second.body.workflowId).toBe(first.body.workflowId);
    await stack.client.workflow.getHandle(first.body.workflowId).result();
    await recordHistory(first.body.workflowId, 'certification-2.json');
    expect(await stack.knex('certificates').where({ userId: other.student.user.id })).toHaveLength(1);
    const notEnrolled = await createTestUser(stack.knex);
    expect((await stack.http.as(notEnrolled.token).post('/api/certificates/generate', { track: 'FSD' })).status).toBe(
      409,
    );
  });

  it('a hand-over recorded before certification existed is picked up at worker start, once', async () => {
    // Graduated under the old review workflow: the hand-over row, no workflow, no certificate.
    const setup = await nearlyGraduated('Grace Hopper');
    await stack
      .knex('student_progress')
      .where({ userId: setup.student.user.id, projectId: setup.last.id })
      .update({ status: 'COMPLETED', completedAt: new Date() });
    const workflowId = `certificate:${setup.student.user.id}:FSD`;
    await stack.knex('handovers').insert({
      userId: setup.student.user.id,
      kind: 'certification',
      subject: 'FSD',
      workflowId,
    });
    const sweep = () =>
      startPendingCertifications({ knex: stack.knex, temporal: stack.client, taskQueues: stack.taskQueues });

    expect(await sweep()).toContain(workflowId);
    const handle = stack.client.workflow.getHandle(workflowId);
    expect(await handle.result()).toMatchObject({ status: 'ISSUED' });
    const { runId } = await handle.describe();
    // Hand-overs with a certificate (this one now, and the earlier graduate's) are left alone.
    const again = await sweep();
    expect(again).not.toContain(workflowId);
    expect(again).not.toContain(`certificate:${student.user.id}:FSD`);
    expect((await handle.describe()).runId).toBe(runId);
    expect(await stack.knex('certificates').where({ userId: setup.student.user.id })).toHaveLength(1);
  });
});
