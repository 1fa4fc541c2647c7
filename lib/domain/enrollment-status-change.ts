import type { EnrollmentStatus } from './enrollment';

/** What an admin may do to an enrollment by hand, and the statuses it moves between. */
export const ENROLLMENT_STATUS_ACTIONS = {
  suspend: { from: 'ENROLLED', to: 'SUSPENDED', done: 'suspended' },
  reinstate: { from: 'SUSPENDED', to: 'ENROLLED', done: 'reinstated' },
} as const satisfies Record<string, { from: EnrollmentStatus; to: EnrollmentStatus; done: string }>;
export type EnrollmentStatusAction = keyof typeof ENROLLMENT_STATUS_ACTIONS;

/**
 * Why `action` cannot apply to an enrollment in `status` (a user-safe message), or null.
 * Repeating it (already in the target status) is allowed: the change is recorded again.
 */
export function statusChangeRefusal(action: EnrollmentStatusAction, status: EnrollmentStatus): string | null {
  const { from, to, done } = ENROLLMENT_STATUS_ACTIONS[action];
  return status === from || status === to ? null : `Only a ${from} enrollment can be ${done}.`;
}
