import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ensureSuperadmin } from '../lib/accounts/ensure-superadmin';
import { recordAudit } from '../lib/audit';
import { createKnex, migrateLatest } from '../lib/db/knex';
import { resolveDatabase } from './lib/database';

/** `npm run create-admin -- --email E --password P`: creates or promotes a superadmin, idempotently. */
const argsSchema = z.object({
  email: z.email().max(254),
  password: z.string().min(10).max(200),
  name: z.string().trim().min(1).max(200).optional(),
});

const { values } = parseArgs({
  options: { email: { type: 'string' }, password: { type: 'string' }, name: { type: 'string' } },
  strict: true,
});
const parsed = argsSchema.safeParse(values);
if (!parsed.success) {
  process.stderr.write(
    `usage: npm run create-admin -- --email E --password P [--name N]\n${parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}\n`,
  );
  process.exitCode = 2;
} else {
  const db = await resolveDatabase();
  const knex = createKnex(db.url, { max: 2 });
  try {
    await migrateLatest(knex);
    const { user, created } = await knex.transaction(async (trx) => {
      const result = await ensureSuperadmin(trx, {
        email: parsed.data.email,
        password: parsed.data.password,
        fullName: parsed.data.name,
      });
      await recordAudit(trx, {
        action: 'admin.superadmin_ensured',
        userId: result.user.id,
        details: { created: result.created, via: 'cli' },
      });
      return result;
    });
    process.stdout.write(`superadmin ${created ? 'created' : 'updated'}: ${user.id}\n`);
  } finally {
    await knex.destroy();
    await db.stop();
  }
}
