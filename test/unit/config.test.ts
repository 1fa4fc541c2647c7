import { describe, expect, it } from 'vitest';
import { ConfigError, defaultChromiumPath, loadConfig } from '../../lib/config';
import { runScript } from '../helpers/child-process';

const VALID = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/cohort',
  COHORT_ENCRYPTION_KEY: 'a'.repeat(64),
};

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies the embedded defaults when only the required variables are set', () => {
    const config = loadConfig(VALID);
    expect(config).toMatchObject({
      PORT: 3000,
      PUBLIC_BASE_URL: 'http://localhost:3000',
      TEMPORAL_ADDRESS: '127.0.0.1:7233',
      TEMPORAL_NAMESPACE: 'default',
      SECRETS_BACKEND: 'db',
      CHROMIUM_PATH: defaultChromiumPath(),
      DATA_DIR: '.data',
    });
    expect(config.STRIPE_SECRET_KEY).toBeUndefined();
    expect(config.DELETION_COOL_OFF).toBeDefined();
  });

  it('names every missing variable at once', () => {
    const problems = problemsOf({});
    expect(problems.some((p) => p.startsWith('DATABASE_URL:'))).toBe(true);
    expect(problems.some((p) => p.startsWith('COHORT_ENCRYPTION_KEY:'))).toBe(true);
  });

  it('names every malformed variable at once, each with why', () => {
    const problems = problemsOf({
      ...VALID,
      PORT: 'eighty',
      LOG_LEVEL: 'loud',
      PUBLIC_BASE_URL: 'not a url',
      COHORT_ENCRYPTION_KEY: 'short',
      SECRETS_BACKEND: 'vault',
      DELETION_COOL_OFF: 'forever',
      METRICS_PORT: '70000',
    });
    const named = problems.map((p) => p.split(':')[0]).sort();
    expect(named).toEqual([
      'COHORT_ENCRYPTION_KEY',
      'DELETION_COOL_OFF',
      'LOG_LEVEL',
      'METRICS_PORT',
      'PORT',
      'PUBLIC_BASE_URL',
      'SECRETS_BACKEND',
    ]);
    expect(problems.find((p) => p.startsWith('COHORT_ENCRYPTION_KEY'))).toContain('64 hex characters');
  });

  it('asks for the mTLS certificate and key together', () => {
    expect(problemsOf({ ...VALID, TEMPORAL_TLS_CERT: '/etc/cohort/client.pem' })).toEqual([
      'TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY: set both (mTLS client certificate and its key) or neither',
    ]);
    expect(loadConfig({ ...VALID, TEMPORAL_TLS_CERT: '/a.pem', TEMPORAL_TLS_KEY: '/a.key' }).TEMPORAL_TLS_KEY).toBe(
      '/a.key',
    );
  });

  it('reads TRUST_PROXY as express takes it: loopback by default, booleans, hop counts, addresses', () => {
    expect(loadConfig(VALID).TRUST_PROXY).toBe('loopback');
    expect(loadConfig({ ...VALID, TRUST_PROXY: 'false' }).TRUST_PROXY).toBe(false);
    expect(loadConfig({ ...VALID, TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(true);
    expect(loadConfig({ ...VALID, TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(loadConfig({ ...VALID, TRUST_PROXY: 'loopback, 10.0.0.0/8,fd00::/8' }).TRUST_PROXY).toBe(
      'loopback, 10.0.0.0/8, fd00::/8',
    );
    expect(problemsOf({ ...VALID, TRUST_PROXY: 'loopback, proxy.internal, 10.0.0.0/33' })).toEqual([
      'TRUST_PROXY: not an address, CIDR or preset: proxy.internal, 10.0.0.0/33',
    ]);
  });

  it('reads rate limits as N/duration and the session idle timeout as a duration', () => {
    const config = loadConfig({ ...VALID, RATE_LIMIT_SIGNUP: '20 / 2h' });
    expect(config.RATE_LIMIT_SIGNUP).toEqual({ points: 20, durationMs: 7_200_000 });
    expect(config.RATE_LIMIT_LOGIN_IP).toEqual({ points: 30, durationMs: 900_000 });
    expect(config.SESSION_IDLE_TIMEOUT).toBe(7 * 86_400_000);
    expect(problemsOf({ ...VALID, RATE_LIMIT_SIGNUP: '20', RATE_LIMIT_VERIFY_EMAIL: '0/1h' })).toEqual([
      'RATE_LIMIT_SIGNUP: not a rate: "20" (use e.g. 10/1h, 5/15m)',
      'RATE_LIMIT_VERIFY_EMAIL: not a rate: "0/1h" (use e.g. 10/1h, 5/15m)',
    ]);
  });

  it("keeps CHECKOUT_EXPIRY within Stripe's 30 minutes to 24 hours (it is each session's expires_at)", () => {
    expect(loadConfig(VALID).CHECKOUT_EXPIRY).toBe(86_400_000);
    expect(loadConfig({ ...VALID, CHECKOUT_EXPIRY: '30m' }).CHECKOUT_EXPIRY).toBe(1_800_000);
    expect(loadConfig({ ...VALID, CHECKOUT_EXPIRY: '24h' }).CHECKOUT_EXPIRY).toBe(86_400_000);
    for (const value of ['29m', '2s', '25h', '2d'])
      expect(problemsOf({ ...VALID, CHECKOUT_EXPIRY: value })).toEqual([
        'CHECKOUT_EXPIRY: must be 30m to 24h (Stripe Checkout Session expiry)',
      ]);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ ...VALID, PORT: '', STRIPE_SECRET_KEY: '' })).toMatchObject({
      PORT: 3000,
      STRIPE_SECRET_KEY: undefined,
    });
    expect(problemsOf({ ...VALID, DATABASE_URL: '' }).map((p) => p.split(':')[0])).toEqual(['DATABASE_URL']);
  });

  it('gathers the problems into one message, one line each', () => {
    const error = new ConfigError(['PORT: bad', 'LOG_LEVEL: bad']);
    expect(error.message).toBe('Invalid configuration:\n  - PORT: bad\n  - LOG_LEVEL: bad');
  });
});

describe('a bad configuration stops the boot', () => {
  for (const entry of ['api/main.ts', 'worker/main.ts']) {
    it(`${entry} exits 1 with one message naming every problem`, async () => {
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        PORT: '-1',
        LOG_LEVEL: 'loud',
        COHORT_ENCRYPTION_KEY: 'nothex',
      };
      const script = runScript(entry, env);
      const { code } = await script.exited;
      expect(code).toBe(1);
      const output = script.output();
      expect(output.match(/Invalid configuration/g)).toHaveLength(1);
      for (const name of ['PORT', 'LOG_LEVEL', 'COHORT_ENCRYPTION_KEY', 'DATABASE_URL'])
        expect(output).toContain(`  - ${name}:`);
      expect(output).not.toMatch(/\n\s+at /); // a message, not a stack trace
    });
  }
});
