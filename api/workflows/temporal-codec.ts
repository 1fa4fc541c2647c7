import type { Payload } from '@temporalio/common';
import { JSONToPayload, payloadToJSON, type JSONPayload } from '@temporalio/common/lib/proto-utils';
import type { Config } from '../../lib/config';
import { errors, type FieldError } from '../../lib/errors';
import { cohortPayloadCodec, PayloadDecryptionError } from '../../lib/temporal-codec/index';

export type CodecAction = 'decode' | 'encode';

/**
 * The payload codec behind Temporal's remote codec protocol: proto3 JSON payloads in and out.
 * Each payload runs on its own, so a refusal (a payload that fails authentication or names an
 * unknown key) is a 400 naming the payload at fault.
 */
export function createRemoteCodec(config: Pick<Config, 'COHORT_ENCRYPTION_KEY' | 'COHORT_PREVIOUS_ENCRYPTION_KEYS'>) {
  const codec = cohortPayloadCodec(config);
  const one = (action: CodecAction, payload: Payload) =>
    (action === 'decode' ? codec.decode([payload]) : codec.encode([payload])).then(([p]) => p!);
  return async (action: CodecAction, payloads: JSONPayload[]): Promise<JSONPayload[]> => {
    const problems: FieldError[] = [];
    const out = await Promise.all(
      payloads.map(async (json, index) => {
        try {
          return payloadToJSON(await one(action, JSONToPayload(json)));
        } catch (error) {
          if (!(error instanceof PayloadDecryptionError)) throw error;
          problems.push({ path: `payloads.${index}`, message: error.message });
          return {};
        }
      }),
    );
    if (problems.length > 0)
      throw errors.validation(
        'A payload could not be decoded.',
        problems.sort((a, b) => a.path.localeCompare(b.path)),
      );
    return out;
  };
}
