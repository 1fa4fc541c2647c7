import { describe, expect, it } from 'vitest';
import { createLogger, temporalLogger } from '../../lib/logger';

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

  it('blanks headers, URLs, query strings, redirect locations and addresses in logged HTTP requests and responses', () => {
    const { logger, lines } = capture();
    logger.info(
      {
        req: {
          method: 'POST',
          url: `/api/admin/emails?to=${SECRETS.email}`,
          query: { to: SECRETS.email },
          remoteAddress: SECRETS.ip,
          headers: {
            authorization: `Bearer ${SECRETS.token}`,
            cookie: `cohort_session=${SECRETS.token}`,
            'x-forwarded-for': SECRETS.ip,
          },
        },
        res: { statusCode: 302, headers: { location: `https://app.test/#token=${SECRETS.token}` } },
      },
      'request completed',
    );
    const entry = JSON.parse(lines[0]!);
    for (const value of Object.values(SECRETS)) expect(lines[0]).not.toContain(value);
    expect(entry.req).toEqual({
      method: 'POST',
      url: '[redacted]',
      query: '[redacted]',
      remoteAddress: '[redacted]',
      headers: '[redacted]',
    });
    expect(entry.res).toEqual({ statusCode: 302, headers: '[redacted]' });
  });

  it('blanks sensitive keys four levels down, and PostgreSQL error details', () => {
    const { logger, lines } = capture();
    logger.warn(
      {
        a: { b: { c: { email: SECRETS.email, 'x-forwarded-for': SECRETS.ip, location: `/#token=${SECRETS.token}` } } },
        err: { code: '23505', detail: `Key (lower(email))=(${SECRETS.email}) already exists.` },
      },
      'deep',
    );
    for (const value of Object.values(SECRETS)) expect(lines[0]).not.toContain(value);
    expect(JSON.parse(lines[0]!).err).toEqual({ code: '23505', detail: '[redacted]' });
  });

  it('never changes the objects it logs (a request keeps its cookie header after a log line)', () => {
    const { logger, lines } = capture();
    const req = { headers: { cookie: 'cohort_oauth=abc', accept: 'text/html' }, body: { email: SECRETS.email } };
    const before = structuredClone(req);
    logger.info({ req }, 'live object');
    logger.child({ req }).info('as a binding');
    expect(req).toEqual(before);
    expect(lines.join('')).not.toContain('cohort_oauth=abc');
  });
});

describe('temporalLogger', () => {
  it('writes Temporal’s log calls through pino, with its redaction and errors kept', () => {
    const { logger, lines } = capture();
    const temporal = temporalLogger(logger);
    temporal.warn('activity failed', {
      workflowId: 'onboarding:u-1:DP',
      email: SECRETS.email,
      error: new Error('Postmark answered 500'),
    });
    temporal.log('DEBUG', 'below the level');
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!);
    expect(entry).toMatchObject({
      level: 40,
      msg: 'activity failed',
      workflowId: 'onboarding:u-1:DP',
      email: '[redacted]',
      err: { message: 'Postmark answered 500', type: 'Error' },
    });
  });
});
