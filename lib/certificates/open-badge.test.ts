import { describe, expect, it } from 'vitest';
import { cohortIssuer, openBadgeCredential, signCredential, verifyOpenBadge, type Issuer } from './open-badge';
import { STATUS_LIST_SIZE, statusEntryOf, statusListCredential } from './status-list';

const facts = {
  certificateId: '0b6f3c1e-8a43-4c8e-9d4b-2f1a6c7e9b10',
  holderName: 'Ada Lovelace',
  trackCode: 'DP',
  trackName: 'Data Professional',
  issuedAt: new Date('2026-01-15T10:00:00Z'),
  verifyUrl: 'https://cohort.example/verify/7KQ2-M9XD-4HBW-P3RT',
  statusSeq: 5,
};

/** The issuer's list 1 with numbers 0..9 handed out, of which `standing` still stand, signed. */
async function signedList(issuer: Issuer, standing: number[]) {
  const unsigned = await statusListCredential({
    publicBaseUrl: 'https://cohort.example',
    issuerId: issuer.id,
    list: 1,
    allocatedThrough: 9,
    standing,
    now: new Date('2026-02-01T00:00:00Z'),
  });
  return signCredential(issuer, unsigned);
}
const source = (list: Record<string, unknown>) => async (url: string) =>
  url === 'https://cohort.example/api/credentials/status/1' ? list : undefined;
const everyoneStands = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

describe('Open Badges 3.0 credential (eddsa-rdfc-2022, offline contexts)', () => {
  it('signs an OpenBadgeCredential that verifies against the published key, with its status list entry', async () => {
    const issuer = await cohortIssuer('https://cohort.example', 'ab'.repeat(32));
    const signed = await signCredential(issuer, openBadgeCredential(issuer, facts));
    const { index } = statusEntryOf(5);
    expect(signed).toMatchObject({
      type: ['VerifiableCredential', 'OpenBadgeCredential'],
      issuer: { id: 'https://cohort.example/api/issuer' },
      credentialSubject: { name: 'Ada Lovelace', achievement: { name: 'Data Professional' } },
      credentialStatus: {
        type: 'BitstringStatusListEntry',
        statusPurpose: 'revocation',
        statusListIndex: String(index),
        statusListCredential: 'https://cohort.example/api/credentials/status/1',
      },
      proof: {
        type: 'DataIntegrityProof',
        cryptosuite: 'eddsa-rdfc-2022',
        proofPurpose: 'assertionMethod',
        verificationMethod: 'https://cohort.example/api/issuer#key-1',
      },
    });
    const list = await signedList(issuer, everyoneStands);
    expect(await verifyOpenBadge(issuer, signed, source(list))).toEqual({ verified: true, revoked: false, errors: [] });
    // The same key every time from the same secret (every replica signs alike).
    const again = await cohortIssuer('https://cohort.example', 'ab'.repeat(32));
    expect(again.profile).toEqual(issuer.profile);
  });

  it('fails after one changed byte, in the claims or in the proof, and under another key', async () => {
    const issuer = await cohortIssuer('https://cohort.example', 'ab'.repeat(32));
    const lists = source(await signedList(issuer, everyoneStands));
    const text = JSON.stringify(await signCredential(issuer, openBadgeCredential(issuer, facts)));
    const flip = (at: number) => text.slice(0, at) + String.fromCharCode(text.charCodeAt(at) ^ 1) + text.slice(at + 1);

    const inName = flip(text.indexOf('Ada Lovelace') + 1); // "Ada" → "A`a"
    expect(JSON.parse(inName).credentialSubject.name).not.toBe('Ada Lovelace');
    expect(await verifyOpenBadge(issuer, JSON.parse(text), lists)).toEqual({
      verified: true,
      revoked: false,
      errors: [],
    });
    expect(await verifyOpenBadge(issuer, JSON.parse(inName), lists)).toEqual({
      verified: false,
      revoked: null,
      errors: ['Invalid signature.'],
    });

    const proofValue = JSON.parse(text).proof.proofValue as string;
    const inProof = flip(text.indexOf(proofValue) + 10);
    expect((await verifyOpenBadge(issuer, JSON.parse(inProof), lists)).verified).toBe(false);

    const other = await cohortIssuer('https://cohort.example', 'cd'.repeat(32));
    expect((await verifyOpenBadge(other, JSON.parse(text), lists)).verified).toBe(false);
  });

  it('shows revocation through the signed status list, and refuses a list that was tampered with', async () => {
    const issuer = await cohortIssuer('https://cohort.example', 'ab'.repeat(32));
    const badge = await signCredential(issuer, openBadgeCredential(issuer, facts));
    const revokedFive = await signedList(
      issuer,
      everyoneStands.filter((n) => n !== 5),
    );
    expect(await verifyOpenBadge(issuer, badge, source(revokedFive))).toEqual({
      verified: true,
      revoked: true,
      errors: [],
    });
    // Another certificate's revocation leaves this one standing.
    const revokedSix = await signedList(
      issuer,
      everyoneStands.filter((n) => n !== 6),
    );
    expect((await verifyOpenBadge(issuer, badge, source(revokedSix))).revoked).toBe(false);

    // The standing list with its bits swapped for the revoked list's: the list's own proof fails.
    const standing = (await signedList(issuer, everyoneStands)) as { credentialSubject: { encodedList: string } };
    const forged = {
      ...standing,
      credentialSubject: {
        ...standing.credentialSubject,
        encodedList: (revokedFive as typeof standing).credentialSubject.encodedList,
      },
    };
    const refused = await verifyOpenBadge(issuer, badge, source(forged));
    expect(refused.verified).toBe(false);
    expect(refused.errors.join(' ')).toMatch(/not verified/);

    // No list to be had: not verified either (a verifier cannot tell it still stands).
    expect((await verifyOpenBadge(issuer, badge, async () => undefined)).verified).toBe(false);
  });

  it('spreads status numbers over a list one to one, not in the order of issue', () => {
    const seen = new Set<number>();
    for (let n = 0; n < STATUS_LIST_SIZE; n += 1) seen.add(statusEntryOf(n).index);
    expect(seen.size).toBe(STATUS_LIST_SIZE);
    expect(statusEntryOf(STATUS_LIST_SIZE)).toEqual({ list: 2, index: 0 });
    expect(statusEntryOf(1).index).not.toBe(1);
  });
});
