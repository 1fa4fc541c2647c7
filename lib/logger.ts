import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * Keys whose values never reach a log line, wherever they sit (up to four levels deep):
 * personal data (emails, names, addresses, free text), secrets (passwords, tokens, codes,
 * credentials) and the carriers that hold them (headers, URLs with their query strings,
 * redirect locations).
 */
const SENSITIVE_KEYS = [
  // who
  'email',
  'emailAddress',
  'to',
  'toAddress',
  'recipient',
  'fullName',
  'holderName',
  'ip',
  'ipAddress',
  'remoteAddress',
  'remotePort',
  'x-forwarded-for',
  'userAgent',
  'notes',
  'feedback',
  // secrets
  'password',
  'passwordHash',
  'token',
  'accessToken',
  'refreshToken',
  'idToken',
  'sessionToken',
  'codeVerifier',
  'secret',
  'apiKey',
  'authorization',
  'cookie',
  'set-cookie',
  'stripe-signature',
  'credentials',
  'connectionString',
  // carriers
  'headers',
  'url',
  'query',
  'location',
  'body',
  // PostgreSQL errors quote the offending values in `detail`.
  'detail',
];
const MAX_DEPTH = 4;

/**
 * Paths pino blanks out wherever they appear: personal data and secrets never reach the log.
 * Shallow paths come first: pino censors in place and restores afterwards, and a child
 * path (`*.*.cookie`) listed before its parent (`*.headers`) would be restored onto the
 * censored value, leaving the live object (a request's headers) mutated.
 */
export const REDACT_PATHS = Array.from({ length: MAX_DEPTH + 1 }, (_, depth) =>
  SENSITIVE_KEYS.map((key) =>
    /^[A-Za-z_$][\w$]*$/.test(key) ? `${'*.'.repeat(depth)}${key}` : `${'*.'.repeat(depth).slice(0, -1)}["${key}"]`,
  ),
).flat();

/** `destination` defaults to stdout; tests pass a stream to read what would be written. */
export function createLogger(level: string = 'info', destination?: DestinationStream): Logger {
  const options = { level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}

const LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * Temporal's Runtime logger (workflow and activity `log`, the SDK, forwarded core logs)
 * writing through pino, so the worker's lines get the same redaction as the API's.
 */
export function temporalLogger(logger: Logger): TemporalLogger {
  const log = (level: LogLevel, message: string, meta: LogMetadata = {}) => {
    // pino's err serializer keeps an Error's message and stack; under another key it would print {}.
    const { error, ...rest } = meta as LogMetadata & { error?: unknown };
    logger[LEVELS[level]]({ ...rest, ...(error === undefined ? {} : { err: error }) }, message);
  };
  return {
    log,
    trace: (message, meta) => log('TRACE', message, meta),
    debug: (message, meta) => log('DEBUG', message, meta),
    info: (message, meta) => log('INFO', message, meta),
    warn: (message, meta) => log('WARN', message, meta),
    error: (message, meta) => log('ERROR', message, meta),
  };
}

export type { Logger };
