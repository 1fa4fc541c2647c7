import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ensureSuperadmin } from '../lib/accounts/ensure-superadmin';
import { recordAudit } from '../lib/audit';
import { createKnex, migrateLatest } from '../lib/db/knex';
import { AppError } from '../lib/errors';
import { resolveDatabase } from './lib/database';

/**
 * `npm run create-admin -- --email E --password P [--name N] [--promote]`: creates the
 * superadmin. An existing account with that email is promoted only with --promote
 * (anyone could have signed up with the admin's address first); promotion revokes its
 * sessions and OAuth links. Exit codes: 0 done, 1 refused or failed, 2 bad arguments.
 */
const argsSchema = z.object({
  email: z.email().max(254),
  password: z.string().min(10).max(200),
  name: z.string().trim().min(1).max(200).optional(),
  promote: z.boolean().optional(),
});

const { values } = parseArgs({
  options: {
    email: { type: 'string' },
    password: { type: 'string' },
    name: { type: 'string' },
    promote: { type: 'boolean' },
  },
  strict: true,
});
const parsed = argsSchema.safeParse(values);
if (!parsed.success) {
  process.stderr.write(
    `usage: npm run create-admin -- --email E --password P [--name N] [--promote]\n${parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}\n`,
  );
  process.exitCode = 2;
} else {
  const db = await resolveDatabase();
  const knex = createKnex(db.url, { max: 2 });
  try {
    await migrateLatest(knex);
    const { user, created, revoked } = await knex.transaction(async (trx) => {
      const result = await ensureSuperadmin(trx, {
        email: parsed.data.email,
        password: parsed.data.password,
        fullName: parsed.data.name,
        promote: parsed.data.promote,
      });
      await recordAudit(trx, {
        action: 'admin.superadmin_ensured',
        userId: result.user.id,
        details: { created: result.created, via: 'cli', ...(result.revoked ? { revoked: result.revoked } : {}) },
      });
      return result;
    });
    process.stdout.write(
      created
        ? `superadmin created: ${user.id}\n`
        : `superadmin promoted: ${user.id} (${revoked?.sessions ?? 0} sessions and ${revoked?.oauthLinks ?? 0} OAuth links revoked)\n`,
    );
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    process.stderr.write(`create-admin: ${error.message}\n`);
    process.exitCode = 1;
  } finally {
    await knex.destroy();
    await db.stop();
  }
}
