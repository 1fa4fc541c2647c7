import type { Db } from '../db/knex';
import { externalResourcesRepo, type ExternalResourceRow } from '../db/repositories/external-resources';
import { errors } from '../errors';
import { requireResourceAccess, type ResourceActor } from './resource-access';

/** Marks a resource deprovisioned (idempotent); 404 unknown, 403 when the actor may not touch its student. */
export async function deprovisionExternalResource(
  db: Db,
  actor: ResourceActor,
  id: string,
): Promise<ExternalResourceRow> {
  const found = await externalResourcesRepo.findById(db, id);
  if (!found) throw errors.notFound('External resource');
  await requireResourceAccess(db, actor, found.userId);
  return (await externalResourcesRepo.markDeprovisioned(db, id))!;
}
