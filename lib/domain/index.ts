/** Cohort's domain words, each declared once as a const, a zod schema and a type. */
export * from './account-tokens';
export * from './enrollment';
export * from './enrollment-status-change';
export * from './progress';
export * from './resources';
export * from './roles';
export * from './submissions';
export * from './tracks';
export * from './workspace';
export * from './certificates';
