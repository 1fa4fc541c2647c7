import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBlobStore } from '../../lib/adapters/blob-store/index';
import { SECRET_LINK_PLACEHOLDER } from '../../templates/email/index';
import { dataExport, dataExportStatusQuery } from '../../workflows/data-export';
import { startFakePostmark, type FakePostmark } from '../fakes/postmark';
import { signUpOverHttp, uniqueEmail } from '../helpers/accounts';
import { waitFor } from '../helpers/payments';
import { startStack, type TestStack } from '../helpers/stack';

/**
 * The privacy workflows against Postmark (a loopback peer speaking its `/email` and
 * `/data-removals` APIs): the export link's life (stored without it, delivered with it,
 * refused once the archive expired and was deleted) and the erasure's data-removal request.
 */
let stack: TestStack;
let postmark: FakePostmark;
beforeAll(async () => {
  postmark = await startFakePostmark();
  stack = await startStack({
    env: {
      POSTMARK_SERVER_TOKEN: postmark.token,
      POSTMARK_ACCOUNT_TOKEN: postmark.accountToken,
      POSTMARK_API_BASE: postmark.baseUrl,
      ADMIN_EMAIL: 'privacy-officer@example.test',
      // Long enough to download once, short enough to watch the archive go.
      EXPORT_LINK_TTL: '12s',
    },
  });
}, 120_000);
afterAll(async () => {
  await stack?.close();
  await postmark?.close();
});

const linkIn = (text: string | undefined) => /https?:\/\/\S+\/api\/blobs\/\S+/.exec(text ?? '')?.[0];
/** The link as this test's API serves it (PUBLIC_BASE_URL is the default localhost:3000). */
const served = (link: string) => {
  const url = new URL(link);
  return `${stack.baseUrl}${url.pathname}${url.search}`;
};

describe('data export link and expiry', () => {
  it('stores the ready email without its link, delivers it with one, and refuses it once the archive expired', async () => {
    const email = uniqueEmail('exporter');
    const student = await signUpOverHttp(stack.http, { email, fullName: 'Ines Exportwell' });
    const as = stack.http.as(student.token);
    const started = await as.get('/api/accounts/export-data');
    expect(started.status, started.text).toBe(202);
    const handle = stack.client.workflow.getHandle<typeof dataExport>(started.body.workflowId);

    const delivered = await waitFor('the ready email at Postmark', async () =>
      postmark.messages.find((m) => m.To === email && m.Tag === 'data-export-ready'),
    );
    const link = linkIn(delivered.TextBody);
    expect(link, delivered.TextBody).toBeDefined();
    expect(delivered.HtmlBody).toContain('/api/blobs/');

    // The stored copy (admin email list, retention) holds the placeholder, not the link.
    const row = await stack
      .knex('emailMessages')
      .where({ userId: student.user.id, template: 'data-export-ready' })
      .first();
    expect(`${row.textBody}${row.htmlBody}`).not.toContain('/api/blobs/');
    expect(row.textBody).toContain(SECRET_LINK_PLACEHOLDER);

    const download = await fetch(served(link!));
    expect(download.status).toBe(200);
    const archive = Buffer.from(await download.arrayBuffer());
    expect(archive.subarray(0, 4)).toEqual(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
    const ready = await stack.knex('dataExports').where({ userId: student.user.id }).first();
    // Whole: what is served is what was stored and hashed.
    expect(createHash('sha256').update(archive).digest('hex')).toBe(ready.sha256);

    const expired = await handle.result();
    expect(expired.phase).toBe('expired');
    expect((await handle.query(dataExportStatusQuery)).phase).toBe('expired');
    const exported = await stack.knex('dataExports').where({ userId: student.user.id }).first();
    expect(exported).toMatchObject({ status: 'EXPIRED' });
    expect(exported.deletedAt).toBeInstanceOf(Date);
    expect(await createBlobStore(stack.config).exists(exported.blobKey)).toBe(false);
    const refused = await fetch(served(link!));
    expect([403, 404]).toContain(refused.status);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
  }, 120_000);
});

describe('Postmark data removal during erasure', () => {
  it('asks Postmark to remove the captured address and keeps its id as the processor reference', async () => {
    const email = uniqueEmail('removed');
    const student = await signUpOverHttp(stack.http, { email, fullName: 'Rhea Removable' });
    const before = postmark.dataRemovals.length;
    const asked = await stack.http.as(student.token).post('/api/accounts/anonymize', {});
    expect(asked.status, asked.text).toBe(202);
    expect((await stack.client.workflow.getHandle(asked.body.workflowId).result()).outcome).toBe('erased');

    const removals = postmark.dataRemovals.slice(before);
    expect(removals).toEqual([
      {
        RequestedBy: 'privacy-officer@example.test',
        RequestedFor: email,
        NotifyWhenCompleted: true,
        ID: expect.any(Number),
      },
    ]);
    const request = await stack.knex('deletionRequests').where({ userId: student.user.id }).first();
    const processor = request.report.processors.find((p: { name: string }) => p.name === 'postmark');
    expect(processor).toEqual({
      name: 'postmark',
      outcome: 'data removal requested',
      reference: String(removals[0]!.ID),
    });
    expect(request.processorReferences).toEqual({ postmark: String(removals[0]!.ID) });
    // The report and the request row keep no address.
    expect(JSON.stringify(request)).not.toContain(email);

    // The final message went through Postmark to the captured address; its row kept none.
    await waitFor('account-deleted at Postmark', async () =>
      postmark.messages.find((m) => m.To === email && m.Tag === 'account-deleted'),
    );
    const finalRow = await waitFor('the final row forgotten', async () => {
      const r = await stack
        .knex('emailMessages')
        .where({ userId: student.user.id, template: 'account-deleted' })
        .first();
      return r?.toAddress === '' ? r : undefined;
    });
    expect(finalRow.status).toBe('SENT');
  }, 120_000);
});
