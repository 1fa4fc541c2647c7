import type { Db } from '../db/knex';
import type { ExternalResourceFilter } from '../db/repositories/external-resources';
import { trainersRepo } from '../db/repositories/trainers';
import { roleGrants, type Role } from '../domain/roles';
import { errors } from '../errors';

export interface ResourceActor {
  id: string;
  role: Role;
}

/**
 * Least privilege over a student's external resources: the student (their own), the
 * trainer assigned to them, and admins. A trainer reaching for another trainer's student
 * gets 403, as a review of that student's submission does; a student naming someone
 * else gets 404 (students learn nothing about other accounts).
 */
export async function requireResourceAccess(db: Db, actor: ResourceActor, studentUserId: string): Promise<void> {
  if (roleGrants(actor.role, 'admin')) return;
  if (actor.role === 'trainer') {
    if (await trainersRepo.teaches(db, actor.id, studentUserId)) return;
    throw errors.forbidden('You are not the trainer assigned to this student.');
  }
  if (studentUserId !== actor.id) throw errors.notFound('User');
}

/** The part of the list an actor may see: everything (admin), assigned students (trainer), own (student). */
export function visibleResources(actor: ResourceActor): ExternalResourceFilter {
  if (roleGrants(actor.role, 'admin')) return {};
  if (actor.role === 'trainer') return { trainedBy: actor.id };
  return { ownedBy: actor.id };
}
