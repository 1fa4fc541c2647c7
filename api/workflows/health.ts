import type { Client, Connection } from '@temporalio/client';

/** Asks the Temporal frontend's gRPC health service whether it serves (for /readyz). */
export async function checkTemporalHealth(temporal: Client): Promise<void> {
  // The client types its connection loosely; the API always builds it from a full Connection.
  await (temporal.connection as Connection).healthService.check({});
}
