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
  stop_grace_period?: string;
  stop_signal?: string;
}

const compose = parse(readFileSync(join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const services = compose.services;
const WORKERS = { worker: 'default', 'worker-pdf': 'pdf', 'worker-workspace': 'workspace' } as const;
const LONG_RUNNING = [
  'postgres',
  'temporal',
  'temporal-ui',
  'minio',
  'api',
  ...Object.keys(WORKERS),
  'prometheus',
  'grafana',
];
const COHORT = ['api', ...Object.keys(WORKERS)];
// Read by the worker once issue 9's WORKER_QUEUES lands in lib/config.ts (a queue-kind list).
const PENDING_VARIABLES = new Set(['WORKER_QUEUES']);

describe('docker-compose.yml', () => {
  it('has the long-running services, each with a health check', () => {
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
    for (const name of Object.keys(WORKERS))
      expect(JSON.stringify(services[name]!.command)).toContain('worker/main.ts');
    expect(services.api!.environment!.PORT).toBe('3000');
    expect(services.api!.ports).toContain('3000:3000');
  });

  it('sets only variables that lib/config.ts or the AWS SDK read', () => {
    const known = new Set(Object.keys(configSchema.shape));
    for (const name of [...COHORT, 'migrate']) {
      for (const variable of Object.keys(services[name]!.environment!)) {
        expect(
          known.has(variable) || PENDING_VARIABLES.has(variable) || variable.startsWith('AWS_'),
          `${name}: ${variable}`,
        ).toBe(true);
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

  it('runs one worker per task queue; only the workspace worker holds the workspace admin URL', () => {
    for (const [name, queue] of Object.entries(WORKERS)) {
      const service = services[name]!;
      expect(service.environment!.WORKER_QUEUES, name).toBe(queue);
      expect(service.environment!.WORKER_METRICS_PORT, name).toBeDefined();
      // Graceful shutdown: SIGTERM, then time for in-flight activities (shutdownGraceTime 10 s).
      expect(service.stop_signal, name).toBe('SIGTERM');
      expect(parseInt(service.stop_grace_period ?? '0', 10), name).toBeGreaterThan(10);
    }
    for (const [name, service] of Object.entries(services))
      if (name !== 'worker-workspace') expect(service.environment?.WORKSPACE_DATABASE_URL, name).toBeUndefined();
    expect(new URL(services['worker-workspace']!.environment!.WORKSPACE_DATABASE_URL!).hostname).toBe('postgres');
    expect(services['worker-pdf']!.environment!.CHROMIUM_PATH).toBe('/usr/bin/chromium-headless-shell');
  });

  it('provisions Prometheus scraping the API and every worker, and Grafana with the Cohort dashboard', () => {
    const prometheus = readFileSync(join(PROJECT_ROOT, 'docker', 'prometheus', 'prometheus.yml'), 'utf8');
    expect(prometheus).toContain(`api:${services.api!.environment!.METRICS_PORT}`);
    for (const name of Object.keys(WORKERS)) expect(prometheus).toContain(`'${name}'`);
    for (const volume of [...services.prometheus!.volumes!, ...services.grafana!.volumes!])
      expect(existsSync(join(PROJECT_ROOT, volume.split(':')[0]!)), volume).toBe(true);
    const dashboard = JSON.parse(
      readFileSync(join(PROJECT_ROOT, 'docker', 'grafana', 'dashboards', 'cohort.json'), 'utf8'),
    ) as { panels: Array<{ targets: Array<{ expr: string }> }> };
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)).join('\n');
    for (const metric of [
      'temporal_workflow_failed',
      'temporal_activity_execution_failed',
      'cohort_notification_failures',
      'cohort_workflows_started',
      'cohort_emails',
      'cohort_webhook_events_total',
    ])
      expect(exprs).toContain(metric);
  });

  it('has a multi-stage, non-root Dockerfile on Node 20 that prebuilds the workflow bundle', () => {
    const dockerfile = readFileSync(join(PROJECT_ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile.match(/^FROM node:20\S* AS \w+/gm)?.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/^RUN npm ci/m);
    expect(dockerfile).toMatch(/^RUN npm run build/m);
    expect(dockerfile).toMatch(/^COPY --from=build .*dist/m);
    expect(dockerfile).toMatch(/WORKFLOW_BUNDLE_PATH=\/app\/dist\/workflow-bundle\.js/);
    const lastUser = [...dockerfile.matchAll(/^USER (\S+)/gm)].at(-1)?.[1];
    expect(lastUser).toBe('node');
    expect(dockerfile).toMatch(/tsx/);
  });
});
