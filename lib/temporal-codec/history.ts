import type { Payload, PayloadCodec } from '@temporalio/common';
import type { History } from '@temporalio/common/lib/proto-utils';

// Temporal never runs these through a codec: the server indexes search attributes, and headers belong to interceptors.
const UNCODED = new Set(['searchAttributes', 'header']);
// Marker details the SDK's core writes and reads itself (a patch's id, a local activity's bookkeeping);
// a local activity's `result` is the workflow's own payload and does pass through the codec.
const CORE_MARKER_DETAILS = new Set(['patch-data', 'data']);

const isPayload = (value: object): value is Payload => {
  const metadata = (value as Payload).metadata;
  return typeof metadata === 'object' && metadata !== null && (metadata as Record<string, unknown>).encoding != null;
};

/** Replaces, in place, every payload of `node` a codec would have handled with `fn(payload)`. */
async function mapPayloads(
  node: unknown,
  fn: (payloads: Payload[]) => Promise<Payload[]>,
  markerDetails = false,
): Promise<void> {
  if (typeof node !== 'object' || node === null || ArrayBuffer.isView(node)) return;
  const entries: Array<[string | number, unknown]> = Array.isArray(node)
    ? node.map((v, i) => [i, v])
    : Object.entries(node).filter(([key]) => !UNCODED.has(key) && !(markerDetails && CORE_MARKER_DETAILS.has(key)));
  const marker = !Array.isArray(node) && 'markerName' in node;
  for (const [key, value] of entries) {
    if (typeof value !== 'object' || value === null) continue;
    if (isPayload(value)) [(node as Record<string | number, unknown>)[key]] = await fn([value]);
    else await mapPayloads(value, fn, marker && key === 'details');
  }
}

/**
 * A history (as `fetchHistory()` returns it) with every encrypted payload decoded: what
 * `npm run record-histories` stores for replay, and what tests search for personal data
 * (the raw history is ciphertext, which would hide it). Changes `history` in place.
 */
export async function decodeHistory(history: History, codec: PayloadCodec): Promise<History> {
  await mapPayloads(history, (payloads) => codec.decode(payloads));
  return history;
}

/** The reverse, for tests: a history as a codec-enabled worker would have written it. */
export async function encodeHistory(history: History, codec: PayloadCodec): Promise<History> {
  await mapPayloads(history, (payloads) => codec.encode(payloads));
  return history;
}

/** Plain data with every bytes field as UTF-8 text (protobuf messages' own toJSON would make it base64). */
function readable(value: unknown): unknown {
  if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
  if (Array.isArray(value)) return value.map(readable);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, readable(v)]));
}

/**
 * A history as searchable text: JSON with every bytes field (payload data and metadata)
 * shown as UTF-8. `JSON.stringify(history)` alone shows payloads base64-encoded, in which no
 * email address can ever be found.
 */
export function historyText(history: History): string {
  return JSON.stringify(readable(history));
}
