import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken, newToken } from '../../lib/auth/tokens';
import { VERIFICATION_CODE_ALPHABET } from '../../lib/domain/certificates';
import { activeVersions } from '../helpers/accounts';
import { enrollStudent, trackOutline } from '../helpers/enrollment';
import { startPaymentsStack, type PaymentsStack } from '../helpers/payments';
import type { TestStack } from '../helpers/stack';
import { createTestUser, type TestUser } from '../helpers/users';
import { recordFigures } from './figures';

/**
 * Part 4 of the reliability suite: every operation × every kind of caller, each cell's
 * expected status read from authz-matrix.md (its preamble explains the notation).
 */
const TABLE = join(import.meta.dirname, 'authz-matrix.md');
const CALLERS = ['anonymous', 'studentA', 'studentB', 'trainer', 'otherTrainer', 'admin', 'superadmin'] as const;
type Caller = (typeof CALLERS)[number];
const COLUMNS: Record<string, Caller> = {
  anonymous: 'anonymous',
  'student A': 'studentA',
  'student B': 'studentB',
  'assigned trainer': 'trainer',
  'other trainer': 'otherTrainer',
  admin: 'admin',
  superadmin: 'superadmin',
};
/** Callers with no business with student A: A's identifiers must not reach them. */
const INTRUDERS: Caller[] = ['studentB', 'otherTrainer'];

interface Row {
  line: number;
  operation: string;
  method: string;
  request: string;
  fresh: boolean;
  expected: Record<Caller, number[]>;
}

function readTable(): Row[] {
  const lines = readFileSync(TABLE, 'utf8').split('\n');
  const headerAt = lines.findIndex((l) => /^\|\s*operation\s*\|/.test(l));
  const cells = (l: string) =>
    l
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim().replace(/^`|`$/g, ''));
  const header = cells(lines[headerAt]!);
  const rows: Row[] = [];
  for (let i = headerAt + 2; i < lines.length && lines[i]!.startsWith('|'); i++) {
    const values = cells(lines[i]!);
    const get = (name: string) => values[header.indexOf(name)]!;
    const expected = {} as Record<Caller, number[]>;
    for (const [column, caller] of Object.entries(COLUMNS)) expected[caller] = get(column).split('/').map(Number);
    const operation = get('operation');
    rows.push({
      line: i + 1,
      operation,
      method: operation.split(' ')[0]!,
      request: get('request'),
      fresh: get('world') === 'fresh',
      expected,
    });
  }
  return rows;
}

interface World {
  users: Record<Exclude<Caller, 'anonymous'>, TestUser>;
  vars: Record<string, string>;
  /** Student A's identifiers, which no intruder may see. */
  secretsOfA: string[];
}

let payments: PaymentsStack;
let stack: TestStack;
let outline: Awaited<ReturnType<typeof trackOutline>>;
let versions: { privacyVersion: string; termsVersion: string };
let operations: { key: string; idFields: string[] }[];

beforeAll(async () => {
  payments = await startPaymentsStack({ env: { METRICS_TOKEN: 'matrix-metrics-token', LOGIN_MAX_FAILURES: '1000' } });
  stack = payments.stack;
  outline = await trackOutline(stack.knex, 'FSD');
  versions = await activeVersions(stack.http);
  const document = (await stack.http.get('/api/openapi.json')).body as {
    paths: Record<
      string,
      Record<
        string,
        {
          parameters?: { name: string }[];
          requestBody?: { content: Record<string, { schema?: { properties?: object } }> };
        }
      >
    >;
  };
  const idLike = (name: string) => /(^id|Id|^key|^verificationCode)$/.test(name);
  operations = Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({
      key: `${method.toUpperCase()} ${path}`,
      idFields: [
        ...(op.parameters ?? []).map((p) => p.name),
        ...Object.keys(op.requestBody?.content['application/json']?.schema?.properties ?? {}),
      ].filter(idLike),
    })),
  );
});
afterAll(async () => {
  await payments?.close();
});

const randomCode = () =>
  Array.from(randomBytes(16), (b) => VERIFICATION_CODE_ALPHABET[b % VERIFICATION_CODE_ALPHABET.length]).join('');

/** Two enrolled students, each with a trainer of their own, staff, and objects of student A. */
async function buildWorld(options: { workflow: boolean }): Promise<World> {
  const { knex } = stack;
  const [trainer, otherTrainer, studentA, studentB, admin, superadmin] = await Promise.all([
    createTestUser(knex, { role: 'trainer' }),
    createTestUser(knex, { role: 'trainer' }),
    createTestUser(knex, { fullName: 'Student Aplus' }),
    createTestUser(knex, { fullName: 'Student Bee' }),
    createTestUser(knex, { role: 'admin' }),
    createTestUser(knex, { role: 'superadmin' }),
  ]);
  const enrollmentA = await enrollStudent(knex, { userId: studentA.user.id, trainerUserId: trainer.user.id });
  const enrollmentB = await enrollStudent(knex, { userId: studentB.user.id, trainerUserId: otherTrainer.user.id });
  const [project] = outline;
  const asA = stack.http.as(studentA.token);
  const started = await asA.post(`/api/projects/${project!.id}/start`);
  expect(started.status, started.text).toBe(200);
  const submitted = await asA.post(`/api/projects/${project!.id}/submissions`, {
    deliverableId: project!.steps[0]!.deliverables[0]!.id,
    deploymentUrl: 'https://aplus.example/portfolio',
  });
  expect(submitted.status, submitted.text).toBe(201);
  const resource = await asA.post('/api/external-resources', {
    resourceType: 'JUPYTER',
    resourceUrl: 'https://notebooks.example/aplus',
  });
  expect(resource.status, resource.text).toBe(201);
  const code = randomCode();
  await knex('certificates').insert({
    userId: studentA.user.id,
    trackCode: 'DP',
    verificationCode: code,
    holderName: studentA.user.fullName,
  });
  let workflow = 'data-export:none';
  if (options.workflow) {
    const exported = await asA.get('/api/accounts/export-data');
    expect(exported.status, exported.text).toBe(202);
    workflow = exported.body.workflowId;
  }
  const vars: Record<string, string> = {
    'A.id': studentA.user.id,
    'A.email': studentA.user.email,
    'A.enrollment': enrollmentA.enrollmentId,
    'A.submission': submitted.body.id,
    'A.resource': resource.body.id,
    'A.certificate': code,
    'A.workflow': workflow,
    'B.id': studentB.user.id,
    'B.enrollment': enrollmentB.enrollmentId,
    'T.id': trainer.user.id,
    project1: project!.id,
    step1: project!.steps[0]!.id,
    deliverable2: project!.steps[1]!.deliverables[0]!.id,
    privacy: versions.privacyVersion,
    terms: versions.termsVersion,
  };
  return {
    users: { studentA, studentB, trainer, otherTrainer, admin, superadmin },
    vars,
    secretsOfA: [vars['A.id']!, vars['A.email']!, vars['A.enrollment']!, vars['A.submission']!, vars['A.resource']!],
  };
}

/** Objects made anew for each cell that names them. */
const MADE_PER_CELL: Record<string, (world: World) => Promise<string>> = {
  unique: () => Promise.resolve(randomBytes(6).toString('hex')),
  'new.student': async () => (await createTestUser(stack.knex)).user.id,
  'new.trainerUser': async () => (await createTestUser(stack.knex, { role: 'trainer' })).user.id,
  'new.enrollment': async (world) => {
    const { user } = await createTestUser(stack.knex);
    return (await enrollStudent(stack.knex, { userId: user.id, trainerUserId: world.vars['T.id']! })).enrollmentId;
  },
  'new.suspendedEnrollment': async (world) => {
    const id = await MADE_PER_CELL['new.enrollment']!(world);
    await stack.knex('enrollments').where({ id }).update({ status: 'SUSPENDED' });
    return id;
  },
};

async function substitute(text: string, world: World): Promise<string> {
  const names = [...Object.keys(world.vars), ...Object.keys(MADE_PER_CELL)].sort((a, b) => b.length - a.length);
  const pattern = new RegExp(`@(${names.map((n) => n.replace('.', '\\.')).join('|')})`, 'g');
  let out = '';
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    const name = match[1]!;
    const value = world.vars[name] ?? (await MADE_PER_CELL[name]!(world));
    out += text.slice(last, match.index) + value;
    last = match.index + match[0].length;
  }
  return out + text.slice(last);
}

/** A session of its own for one cell: a logout or revocation in one cell ends no other. */
async function sessionFor(user: TestUser): Promise<string> {
  const token = newToken();
  await stack.knex('sessions').insert({
    userId: user.user.id,
    tokenHash: hashToken(token),
    expiresAt: new Date(Date.now() + 3_600_000),
  });
  return token;
}

interface CellFailure {
  line: number;
  request: string;
  caller: Caller;
  expected: string;
  got: number;
  detail: string;
}

async function runCell(row: Row, caller: Caller, world: World): Promise<CellFailure | undefined> {
  const request = await substitute(row.request, world);
  const space = request.indexOf(' ');
  const path = space < 0 ? request : request.slice(0, space);
  const body = space < 0 ? undefined : (JSON.parse(request.slice(space + 1)) as unknown);
  const token = caller === 'anonymous' ? undefined : await sessionFor(world.users[caller]);
  const res = await stack.http.as(token).request(row.method, path, body);
  const fail = (detail: string) => ({
    line: row.line,
    request: `${row.method} ${path}`,
    caller,
    expected: row.expected[caller].join('/'),
    got: res.status,
    detail,
  });
  if (!row.expected[caller].includes(res.status)) return fail(res.text.slice(0, 300));
  if (INTRUDERS.includes(caller) && res.status < 300) {
    const leaked = world.secretsOfA.filter((secret) => res.text.includes(secret));
    if (leaked.length) return fail(`the answer names student A's ${leaked.length} identifier(s)`);
  }
  return undefined;
}

describe('the authorization matrix', () => {
  it('has a row for every operation of the OpenAPI document, and none for an operation it lacks', () => {
    const rows = readTable();
    const documented = operations.map((o) => o.key).sort();
    const tabled = [...new Set(rows.map((r) => r.operation))].sort();
    expect(
      documented.filter((o) => !tabled.includes(o)),
      'operations without a row in authz-matrix.md',
    ).toEqual([]);
    expect(
      tabled.filter((o) => !documented.includes(o)),
      'rows of authz-matrix.md for no documented operation',
    ).toEqual([]);
    // Wherever an operation accepts an id, its row tries an object of someone else.
    const withoutForeignIds = operations
      .filter((o) => o.idFields.length > 0)
      .filter((o) => !rows.some((r) => r.operation === o.key && r.request.includes('@')))
      .map((o) => `${o.key} (${o.idFields.join(', ')})`);
    expect(withoutForeignIds).toEqual([]);
  });

  it('answers every cell as the table says, and shows no intruder anything of student A', async () => {
    const rows = readTable();
    const shared = await buildWorld({ workflow: true });
    const failures: CellFailure[] = [];
    let checked = 0;
    for (const row of rows) {
      const worlds = row.fresh
        ? await Promise.all(CALLERS.map(() => buildWorld({ workflow: false })))
        : CALLERS.map(() => shared);
      // A row's callers are different users: their cells may run at once.
      const results = await Promise.all(CALLERS.map((caller, i) => runCell(row, caller, worlds[i]!)));
      checked += results.length;
      failures.push(...results.filter((f): f is CellFailure => f !== undefined));
    }
    recordFigures('authz', { authzCellsChecked: checked, authzCellsFailed: failures.length });
    expect(checked).toBe(rows.length * CALLERS.length);
    expect(failures).toEqual([]);
  });
});
