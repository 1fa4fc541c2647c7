/**
 * The one error factory: a stable code, an HTTP status and a message safe to show a
 * user. `internal` carries what only the log may see.
 */
export const ERROR_STATUS = {
  validation_failed: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable: 422,
  consent_required: 428,
  rate_limited: 429,
  internal: 500,
  payments_not_configured: 503,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface FieldError {
  path: string;
  message: string;
}

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: {
      errors?: FieldError[];
      status?: number;
      internal?: string;
      fields?: Record<string, unknown>;
      /** Sent as Retry-After: when a retry of the same request may succeed. */
      retryAfterSeconds?: number;
    } = {},
  ) {
    super(message);
    this.name = 'AppError';
    this.status = extra.status ?? ERROR_STATUS[code];
  }
}

export const errors = {
  validation: (message: string, fieldErrors?: FieldError[]) =>
    new AppError('validation_failed', message, { errors: fieldErrors }),
  unauthenticated: (message = 'Sign in to continue.') => new AppError('unauthenticated', message),
  forbidden: (message = 'You are not allowed to do this.') => new AppError('forbidden', message),
  notFound: (what = 'Resource') => new AppError('not_found', `${what} not found.`),
  conflict: (message: string) => new AppError('conflict', message),
  /** A conflict with fields the client acts on (e.g. `missingProjects`). */
  conflictWith: (message: string, fields: Record<string, unknown>) => new AppError('conflict', message, { fields }),
  consentRequired: (message: string, fields: Record<string, unknown>, status?: number) =>
    new AppError('consent_required', message, { fields, status }),
  rateLimited: (message = 'Too many attempts; try again later.') => new AppError('rate_limited', message),
  paymentsNotConfigured: () => new AppError('payments_not_configured', 'Payments are not configured.'),
  unavailable: (message: string, extra: { retryAfterSeconds?: number; internal?: string } = {}) =>
    new AppError('unavailable', message, extra),
};
