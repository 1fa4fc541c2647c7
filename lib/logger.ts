import { pino, type DestinationStream, type Logger } from 'pino';

/** Paths pino blanks out wherever they appear: personal data and secrets never reach the log. */
export const REDACT_PATHS = [
  'email',
  '*.email',
  'password',
  '*.password',
  'token',
  '*.token',
  'fullName',
  '*.fullName',
  'ip',
  '*.ip',
  'ipAddress',
  '*.ipAddress',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["stripe-signature"]',
  'res.headers["set-cookie"]',
  'req.remoteAddress',
  'req.remotePort',
];

/** `destination` defaults to stdout; tests pass a stream to read what would be written. */
export function createLogger(level: string = 'info', destination?: DestinationStream): Logger {
  const options = { level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}

export type { Logger };
