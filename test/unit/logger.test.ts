import { describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/logger';

/** Collects what pino writes, one parsed JSON object per line. */
function capture() {
  const lines: string[] = [];
  const destination = {
    write: (chunk: string) => {
      lines.push(...chunk.split('\n').filter(Boolean));
    },
  };
  return { logger: createLogger('info', destination), lines };
}

const SECRETS = {
  email: 'ada@example.com',
  password: 'correct horse battery staple',
  token: 'tok_1234567890abcdef',
  fullName: 'Ada Lovelace',
  ip: '203.0.113.7',
};

describe('logger redaction', () => {
  it('blanks personal data and secrets at the top level and one level down', () => {
    const { logger, lines } = capture();
    logger.info({ ...SECRETS, userId: 'u-1' }, 'signed up');
    logger.info({ user: { ...SECRETS, id: 'u-2' }, ipAddress: SECRETS.ip }, 'nested');
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      for (const value of Object.values(SECRETS)) expect(line).not.toContain(value);
    }
    const [top, nested] = lines.map((l) => JSON.parse(l));
    expect(top).toMatchObject({
      email: '[redacted]',
      password: '[redacted]',
      token: '[redacted]',
      fullName: '[redacted]',
      ip: '[redacted]',
      userId: 'u-1',
      msg: 'signed up',
    });
    expect(nested.user).toMatchObject({ email: '[redacted]', password: '[redacted]', token: '[redacted]', id: 'u-2' });
    expect(nested.ipAddress).toBe('[redacted]');
  });

  it('blanks credentials in logged HTTP requests and responses', () => {
    const { logger, lines } = capture();
    logger.info(
      {
        req: {
          method: 'POST',
          url: '/api/auth/login',
          remoteAddress: SECRETS.ip,
          headers: {
            authorization: `Bearer ${SECRETS.token}`,
            cookie: `cohort_session=${SECRETS.token}`,
            'stripe-signature': 't=1,v1=abc',
            accept: 'application/json',
          },
        },
        res: { statusCode: 200, headers: { 'set-cookie': `cohort_session=${SECRETS.token}` } },
      },
      'request completed',
    );
    const entry = JSON.parse(lines[0]!);
    expect(lines[0]).not.toContain(SECRETS.token);
    expect(lines[0]).not.toContain(SECRETS.ip);
    expect(entry.req.headers).toEqual({
      authorization: '[redacted]',
      cookie: '[redacted]',
      'stripe-signature': '[redacted]',
      accept: 'application/json',
    });
    expect(entry.res.headers['set-cookie']).toBe('[redacted]');
    expect(entry.req.url).toBe('/api/auth/login');
  });
});
