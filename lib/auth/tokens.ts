import { createHash, randomBytes } from 'node:crypto';

/** Session tokens are random and stored only as their SHA-256. */
export const newToken = (): string => randomBytes(32).toString('base64url');
export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');
