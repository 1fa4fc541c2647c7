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

/** Seconds a client should wait before retrying a request the database could not serve. */
export const DB_RETRY_AFTER_SECONDS = 5;

/**
 * The database gone for a moment (restarting, shutting down, a connection cut or refused,
 * the pool unable to connect): no fault of the request.
 */
const LOST_SOCKET = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);
// node-postgres's own words for a connection that died or never came (it gives them no code).
// Knex puts the statement in front (`ROLLBACK - Connection terminated unexpectedly`).
const LOST_MESSAGE =
  /(?:^|\s-\s)(?:Connection terminated|Client has encountered a connection error|Client was closed|Unable to acquire a connection|timeout expired)/;

function isConnectionLoss(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 3) return false;
  const { code, name, message, cause } = error as {
    code?: unknown;
    name?: unknown;
    message?: unknown;
    cause?: unknown;
  };
  if (typeof code === 'string' && (/^08/.test(code) || /^57P0[123]$/.test(code) || LOST_SOCKET.has(code))) return true;
  if (name === 'KnexTimeoutError') return true;
  if (typeof message === 'string' && LOST_MESSAGE.test(message)) return true;
  return isConnectionLoss(cause, depth + 1);
}

/**
 * Postgres error codes become domain errors here and nowhere else, so services never
 * parse SQL errors. Messages name the constraint's meaning, never the row's values.
 */
export function translateDbError(error: unknown, messages: Record<string, string> = {}): unknown {
  if (isConnectionLoss(error))
    return errors.unavailable('The service is briefly unavailable; try again in a moment.', {
      retryAfterSeconds: DB_RETRY_AFTER_SECONDS,
      internal: (error as Error).message,
    });
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
