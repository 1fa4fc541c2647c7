import { describe, expect, it } from 'vitest';
import { cohortIssuer, openBadgeCredential, signOpenBadge, verifyOpenBadge } from './open-badge';

const facts = {
  certificateId: '0b6f3c1e-8a43-4c8e-9d4b-2f1a6c7e9b10',
  holderName: 'Ada Lovelace',
  trackCode: 'DP',
  trackName: 'Data Professional',
  issuedAt: new Date('2026-01-15T10:00:00Z'),
  verifyUrl: 'https://cohort.example/verify/7KQ2-M9XD-4HBW-P3RT',
};

describe('Open Badges 3.0 credential (eddsa-rdfc-2022, offline contexts)', () => {
  it('signs an OpenBadgeCredential that verifies against the published key', async () => {
    const issuer = await cohortIssuer('https://cohort.example', 'ab'.repeat(32));
    const signed = await signOpenBadge(issuer, openBadgeCredential(issuer, facts));
    expect(signed).toMatchObject({
      type: ['VerifiableCredential', 'OpenBadgeCredential'],
      issuer: { id: 'https://cohort.example/api/issuer' },
      credentialSubject: { name: 'Ada Lovelace', achievement: { name: 'Data Professional' } },
      proof: {
        type: 'DataIntegrityProof',
        cryptosuite: 'eddsa-rdfc-2022',
        proofPurpose: 'assertionMethod',
        verificationMethod: 'https://cohort.example/api/issuer#key-1',
      },
    });
    expect(await verifyOpenBadge(issuer, signed)).toEqual({ verified: true, errors: [] });
    // The same key every time from the same secret (every replica signs alike).
    const again = await cohortIssuer('https://cohort.example', 'ab'.repeat(32));
    expect(again.profile).toEqual(issuer.profile);
  });

  it('fails after one changed byte, in the claims or in the proof, and under another key', async () => {
    const issuer = await cohortIssuer('https://cohort.example', 'ab'.repeat(32));
    const text = JSON.stringify(await signOpenBadge(issuer, openBadgeCredential(issuer, facts)));
    const flip = (at: number) => text.slice(0, at) + String.fromCharCode(text.charCodeAt(at) ^ 1) + text.slice(at + 1);

    const inName = flip(text.indexOf('Ada Lovelace') + 1); // "Ada" → "A`a"
    expect(JSON.parse(inName).credentialSubject.name).not.toBe('Ada Lovelace');
    expect(await verifyOpenBadge(issuer, JSON.parse(text))).toEqual({ verified: true, errors: [] });
    expect(await verifyOpenBadge(issuer, JSON.parse(inName))).toEqual({
      verified: false,
      errors: ['Invalid signature.'],
    });

    const proofValue = JSON.parse(text).proof.proofValue as string;
    const inProof = flip(text.indexOf(proofValue) + 10);
    expect((await verifyOpenBadge(issuer, JSON.parse(inProof))).verified).toBe(false);

    const other = await cohortIssuer('https://cohort.example', 'cd'.repeat(32));
    expect((await verifyOpenBadge(other, JSON.parse(text))).verified).toBe(false);
  });
});
