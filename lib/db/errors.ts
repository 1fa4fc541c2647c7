import { AppError, errors } from '../errors';

interface PgError {
  code?: string;
  constraint?: string;
  detail?: string;
}

const isPgError = (error: unknown): error is PgError =>
  typeof error === 'object' &&
  error !== null &&
  typeof (error as PgError).code === 'string' &&
  /^[0-9A-Z]{5}$/.test((error as PgError).code!);

/**
 * Postgres error codes become domain errors here and nowhere else, so services never
 * parse SQL errors. Messages name the constraint's meaning, never the row's values.
 */
export function translateDbError(error: unknown, messages: Record<string, string> = {}): unknown {
  if (!isPgError(error)) return error;
  const byConstraint = error.constraint ? messages[error.constraint] : undefined;
  switch (error.code) {
    case '23505':
      return new AppError('conflict', byConstraint ?? 'This already exists.', { internal: error.constraint });
    case '23503':
      return new AppError('not_found', byConstraint ?? 'A referenced record does not exist.', {
        status: 404,
        internal: error.constraint,
      });
    case '23514':
    case '22P02':
    case '22001':
      return errors.validation(byConstraint ?? 'A value is not acceptable.');
    default:
      return error;
  }
}

/** Runs `fn`, translating Postgres errors into domain errors. */
export async function withDbErrors<T>(fn: () => Promise<T>, messages?: Record<string, string>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw translateDbError(error, messages);
  }
}
