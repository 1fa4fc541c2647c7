import { vi } from 'vitest';
import { outboxMessagesTo, type OutboxMessage } from '../../scripts/lib/outbox';

export * from '../../scripts/lib/outbox';

/** Waits for exactly one message of `template` to `to` and returns it. */
export async function waitForOutboxMessage(dataDir: string, to: string, template: string): Promise<OutboxMessage> {
  return vi.waitFor(
    () => {
      const found = outboxMessagesTo(dataDir, to, template);
      if (found.length !== 1) throw new Error(`${found.length} ${template} messages to the address so far`);
      return found[0]!;
    },
    { timeout: 20_000, interval: 100 },
  );
}
