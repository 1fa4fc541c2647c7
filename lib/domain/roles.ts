import { z } from 'zod';

export const ROLES = ['student', 'trainer', 'admin', 'superadmin'] as const;
export const roleSchema = z.enum(ROLES);
export type Role = z.infer<typeof roleSchema>;

const GRANTS: Record<Role, Role[]> = {
  student: ['student'],
  trainer: ['trainer'],
  admin: ['admin'],
  superadmin: ['superadmin', 'admin'],
};

/** superadmin ⊇ admin; other roles are exact. */
export const roleGrants = (held: Role, wanted: Role): boolean => GRANTS[held].includes(wanted);
