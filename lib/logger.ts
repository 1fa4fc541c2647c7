import { pino, type Logger } from 'pino';

/** Paths pino blanks out wherever they appear: personal data and secrets never reach the log. */
export const REDACT_PATHS = [
  'email', '*.email', 'password', '*.password', 'token', '*.token', 'fullName', '*.fullName',
  'ip', '*.ip', 'ipAddress', '*.ipAddress',
  'req.headers.authorization', 'req.headers.cookie', 'req.headers["stripe-signature"]',
  'res.headers["set-cookie"]', 'req.remoteAddress', 'req.remotePort',
];

export function createLogger(level: string = 'info'): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } });
}

export type { Logger };
