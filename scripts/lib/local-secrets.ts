import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Secrets the embedded stack generates once and keeps under the data directory. */
export interface LocalSecrets {
  COHORT_ENCRYPTION_KEY: string;
  STRIPE_WEBHOOK_SECRET: string;
}

const GENERATORS: Record<keyof LocalSecrets, () => string> = {
  COHORT_ENCRYPTION_KEY: () => randomBytes(32).toString('hex'),
  STRIPE_WEBHOOK_SECRET: () => `whsec_${randomBytes(24).toString('hex')}`,
};

/**
 * Values from the environment win; missing ones come from `<dataDir>/secrets.json`,
 * generated on first use (mode 0600) so encrypted rows stay readable across restarts.
 */
export function loadOrCreateLocalSecrets(
  dataDir: string,
  env: Record<string, string | undefined> = process.env,
): LocalSecrets {
  const file = join(dataDir, 'secrets.json');
  const stored: Partial<LocalSecrets> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  let changed = false;
  for (const name of Object.keys(GENERATORS) as (keyof LocalSecrets)[]) {
    if (!stored[name]) {
      stored[name] = GENERATORS[name]();
      changed = true;
    }
  }
  if (changed) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
  }
  return {
    COHORT_ENCRYPTION_KEY: env.COHORT_ENCRYPTION_KEY || stored.COHORT_ENCRYPTION_KEY!,
    STRIPE_WEBHOOK_SECRET: env.STRIPE_WEBHOOK_SECRET || stored.STRIPE_WEBHOOK_SECRET!,
  };
}
