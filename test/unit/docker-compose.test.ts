import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configSchema } from '../../lib/config';
import { PROJECT_ROOT } from '../../scripts/lib/tools';
import { COHORT_SEARCH_ATTRIBUTES } from '../../lib/temporal/search-attributes';

/** No Docker engine runs here, so the compose file is checked as data: services, health, wiring. */
interface Service {
  image?: string;
  build?: string | { context: string };
  command?: string[] | string;
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  ports?: string[];
  healthcheck?: { test: string[] };
  volumes?: string[];
}

const compose = parse(readFileSync(join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const services = compose.services;
const LONG_RUNNING = ['postgres', 'temporal', 'temporal-ui', 'minio', 'api', 'worker'];
const COHORT = ['api', 'worker'];

describe('docker-compose.yml', () => {
  it('has the six long-running services, each with a health check', () => {
    for (const name of LONG_RUNNING) {
      expect(services[name], name).toBeDefined();
      expect(services[name]!.healthcheck?.test.length, `${name} health check`).toBeGreaterThan(0);
    }
  });

  it('only depends on services it defines, with explicit conditions', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect(services[dependency], `${name} → ${dependency}`).toBeDefined();
        expect(['service_healthy', 'service_completed_successfully']).toContain(condition);
        if (condition === 'service_healthy')
          expect(services[dependency]!.healthcheck, `${dependency} health check`).toBeDefined();
      }
    }
  });

  it('persists Temporal in the postgres service', () => {
    const temporal = services.temporal!;
    expect(temporal.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgres', DB_PORT: '5432' });
    expect(temporal.environment!.POSTGRES_USER).toBe(services.postgres!.environment!.POSTGRES_USER);
    expect(temporal.environment!.POSTGRES_PWD).toBe(services.postgres!.environment!.POSTGRES_PASSWORD);
    expect(temporal.depends_on?.postgres?.condition).toBe('service_healthy');
  });

  it('registers every Cohort search attribute', () => {
    const setup = JSON.stringify(services['temporal-setup']!.command);
    for (const key of COHORT_SEARCH_ATTRIBUTES) expect(setup).toContain(key.name);
    expect(services.api!.depends_on?.['temporal-setup']?.condition).toBe('service_completed_successfully');
  });

  it('points the Temporal UI at the temporal service on :8233', () => {
    const ui = services['temporal-ui']!;
    expect(ui.environment!.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(ui.ports).toContain('8233:8080');
    expect(ui.depends_on?.temporal?.condition).toBe('service_healthy');
  });

  it('builds the api and worker from the Dockerfile and wires them to postgres, temporal and minio', () => {
    const postgres = services.postgres!.environment!;
    for (const name of COHORT) {
      const service = services[name]!;
      expect(service.build, name).toBe('.');
      const env = service.environment!;
      const db = new URL(env.DATABASE_URL!);
      expect([db.hostname, db.port, db.username, db.password, db.pathname]).toEqual([
        'postgres',
        '5432',
        postgres.POSTGRES_USER,
        postgres.POSTGRES_PASSWORD,
        `/${postgres.POSTGRES_DB}`,
      ]);
      expect(new URL(env.WORKSPACE_DATABASE_URL!).hostname).toBe('postgres');
      expect(env.TEMPORAL_ADDRESS).toBe('temporal:7233');
      expect(new URL(env.S3_ENDPOINT!).host).toBe('minio:9000');
      expect(env.AWS_ACCESS_KEY_ID).toBe(services.minio!.environment!.MINIO_ROOT_USER);
      expect(env.AWS_SECRET_ACCESS_KEY).toBe(services.minio!.environment!.MINIO_ROOT_PASSWORD);
      expect(env.COHORT_ENCRYPTION_KEY).toMatch(/^\$\{COHORT_ENCRYPTION_KEY:\?/);
      for (const dependency of ['postgres', 'temporal'])
        expect(service.depends_on?.[dependency]?.condition).toBe('service_healthy');
      expect(service.depends_on?.migrate?.condition).toBe('service_completed_successfully');
    }
    expect(JSON.stringify(services.api!.command)).toContain('api/main.ts');
    expect(JSON.stringify(services.worker!.command)).toContain('worker/main.ts');
    expect(services.api!.environment!.PORT).toBe('3000');
    expect(services.api!.ports).toContain('3000:3000');
  });

  it('sets only variables that lib/config.ts or the AWS SDK read', () => {
    const known = new Set(Object.keys(configSchema.shape));
    for (const name of [...COHORT, 'migrate']) {
      for (const variable of Object.keys(services[name]!.environment!)) {
        expect(known.has(variable) || variable.startsWith('AWS_'), `${name}: ${variable}`).toBe(true);
      }
    }
  });

  it('refers only to files that exist', () => {
    for (const name of COHORT) {
      const script = services[name]!.healthcheck!.test.find((part) => part.endsWith('.ts'));
      expect(script && existsSync(join(PROJECT_ROOT, script)), `${name} health check script`).toBe(true);
    }
    for (const volume of services.postgres!.volumes!.filter((v) => v.startsWith('./'))) {
      expect(existsSync(join(PROJECT_ROOT, volume.split(':')[0]!))).toBe(true);
    }
  });

  it('has a Dockerfile on Node 20 that installs with npm ci', () => {
    const dockerfile = readFileSync(join(PROJECT_ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM node:20/m);
    expect(dockerfile).toMatch(/^RUN npm ci/m);
    expect(dockerfile).toMatch(/tsx/);
  });
});
