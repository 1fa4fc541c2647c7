import { readFileSync } from 'node:fs';
import type { Config } from './config';

/**
 * Connection options shared by the API's client and the worker's native connection:
 * the address, plus an mTLS client certificate when configured (Temporal Cloud).
 * Called by composition roots only; it reads the certificate files.
 */
export function temporalConnectionOptions(config: Config): {
  address: string;
  tls?: { clientCertPair: { crt: Buffer; key: Buffer } };
} {
  if (!config.TEMPORAL_TLS_CERT || !config.TEMPORAL_TLS_KEY) return { address: config.TEMPORAL_ADDRESS };
  return {
    address: config.TEMPORAL_ADDRESS,
    tls: {
      clientCertPair: { crt: readFileSync(config.TEMPORAL_TLS_CERT), key: readFileSync(config.TEMPORAL_TLS_KEY) },
    },
  };
}
