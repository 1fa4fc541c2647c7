import { createCredential, createList } from '@digitalbazaar/vc-bitstring-status-list';
import type { Db } from '../db/knex';
import { certificatesRepo } from '../db/repositories/certificates';
import { statusListUrl } from './links';
import { vcDateTime } from './vc-date';

/*
 * Revocation published the W3C way (Bitstring Status List v1.0): every credential names a
 * list and an index in it; the issuer serves each list as a signed credential whose bit at
 * that index is 1 once the certificate is revoked or gone. A verifier fetches the whole
 * list, so Cohort does not learn which certificate is being checked.
 */

/** Entries per list: the specification's minimum (16 KB), for herd privacy. */
export const STATUS_LIST_SIZE = 131_072;
/** Odd, so `n ↦ n·SPREAD mod 2^17` is a bijection: indexes do not follow the order of issue. */
const SPREAD = 0x1f0b5;

export interface StatusEntry {
  /** 1, 2, …: the list of this number. */
  list: number;
  index: number;
}

/** Where a certificate's status number lands: its list, and its index in that list. */
export function statusEntryOf(statusSeq: number): StatusEntry {
  return {
    list: Math.floor(statusSeq / STATUS_LIST_SIZE) + 1,
    index: ((statusSeq % STATUS_LIST_SIZE) * SPREAD) % STATUS_LIST_SIZE,
  };
}

/** The `credentialStatus` of a certificate's Open Badges credential. */
export function credentialStatusOf(publicBaseUrl: string, statusSeq: number): Record<string, string> {
  const { list, index } = statusEntryOf(statusSeq);
  const url = statusListUrl(publicBaseUrl, list);
  return {
    id: `${url}#${index}`,
    type: 'BitstringStatusListEntry',
    statusPurpose: 'revocation',
    statusListIndex: String(index),
    statusListCredential: url,
  };
}

export interface StatusListFacts {
  publicBaseUrl: string;
  issuerId: string;
  list: number;
  /** The highest status number handed out so far (-1: none). */
  allocatedThrough: number;
  /** The numbers, in this list, of certificates that still stand. */
  standing: Iterable<number>;
  now: Date;
}

/**
 * List `list` as an unsigned BitstringStatusListCredential: a 1 for every number handed
 * out so far whose certificate was revoked or no longer exists, a 0 for the rest
 * (including numbers not handed out yet).
 */
export async function statusListCredential(facts: StatusListFacts): Promise<Record<string, unknown>> {
  const from = (facts.list - 1) * STATUS_LIST_SIZE;
  const to = Math.min(from + STATUS_LIST_SIZE - 1, facts.allocatedThrough);
  const bits = await createList({ length: STATUS_LIST_SIZE });
  const stands = new Set(facts.standing);
  for (let seq = from; seq <= to; seq += 1) if (!stands.has(seq)) bits.setStatus(statusEntryOf(seq).index, true);
  const credential = await createCredential({
    id: statusListUrl(facts.publicBaseUrl, facts.list),
    list: bits,
    statusPurpose: 'revocation',
  });
  return { ...credential, issuer: facts.issuerId, validFrom: vcDateTime(facts.now) };
}

/**
 * List `list` as it stands in the database (unsigned), or undefined when no certificate
 * has been numbered into it yet.
 */
export async function buildStatusList(
  db: Db,
  publicBaseUrl: string,
  issuerId: string,
  list: number,
  now = new Date(),
): Promise<Record<string, unknown> | undefined> {
  const from = (list - 1) * STATUS_LIST_SIZE;
  const { allocatedThrough, standing } = await certificatesRepo.statusRange(db, from, from + STATUS_LIST_SIZE - 1);
  if (allocatedThrough < from) return undefined;
  return statusListCredential({ publicBaseUrl, issuerId, list, allocatedThrough, standing, now });
}
