import { expect } from 'vitest';
import type { Knex } from '../../lib/db/knex';
import { countRows } from './accounts';
import type { HttpClient } from './http';

/** The kinds of field an endpoint takes, each with values it must refuse. */
export type FieldKind =
  | 'email'
  | 'password'
  | 'name'
  | 'version'
  | 'bool'
  | 'uuid'
  | 'role'
  | 'policyKind'
  | 'text'
  | 'date'
  | 'tracks'
  | 'maxStudents';

const SQL = "'; DROP TABLE users; --";
const common = [12345, null, [], {}, true];
export const INVALID_VALUES: Record<FieldKind, unknown[]> = {
  email: [
    ...common,
    'not-an-email',
    SQL,
    `x' OR '1'='1@example.test`,
    'a\u0000b@example.test',
    'ünïcødé@exämple.tëst',
    `${'a'.repeat(250)}@example.test`,
    ' ',
  ],
  password: [...common, 'short', 'x'.repeat(201)],
  name: [12345, null, [], {}, true, '', '   ', 'Ada\u0000', 'Ada\u001b[2J', 'Ada\u0007Bell', 'x'.repeat(201)],
  version: [...common, '', SQL, 'v\u0000', 'vé-ünï', '2026 01', 'x'.repeat(51)],
  bool: [12345, null, [], {}, 'yes', 'true', 1],
  uuid: [...common, 'nope', "1' OR '1'='1", '00000000-0000-0000-0000-00000000000g', `${'0'.repeat(8)}-\u0000`],
  role: [...common, 'root', "student' --", 'ADMIN', ''],
  policyKind: [...common, 'cookies', SQL, ''],
  text: [12345, null, [], {}, true, '', 'a\u0000b', 'a\u001bb', 'x'.repeat(60_001)],
  date: [...common, 'tomorrow', '2026-13-45', '2026-02-30T00:00:00Z', SQL],
  tracks: [12345, null, {}, true, [], ['XX'], 'DP', ['DP', 'DP'], [SQL], ['DP', 'FSD', 'DP']],
  maxStudents: [null, [], {}, true, 0, 21, -1, 1.5, '5', 1e9],
};

export interface EndpointUnderTest {
  method: 'POST' | 'PATCH' | 'DELETE';
  path: string;
  token?: string;
  /** A body the endpoint would accept (used as the base of every mutation). */
  valid: Record<string, unknown>;
  fields: Record<string, { kind: FieldKind; required: boolean; invalid?: unknown[] }>;
}

/**
 * Throws every malformed, oversized and hostile variant of `valid` at an endpoint and
 * expects a 4xx problem+json with a stable code each time, and not one row written.
 */
export async function expectHostileInputRefused(
  knex: Knex,
  http: HttpClient,
  endpoint: EndpointUnderTest,
): Promise<number> {
  const client = http.as(endpoint.token);
  const before = await countRows(knex);
  const send = (body: unknown, headers?: Record<string, string>) =>
    client.request(endpoint.method, endpoint.path, body, headers);
  let cases = 0;
  const refused = async (
    body: unknown,
    label: string,
    status = 400,
    code = 'validation_failed',
    headers?: Record<string, string>,
  ) => {
    const res = await send(body, headers);
    expect(res.status, `${label}: ${res.text.slice(0, 300)}`).toBe(status);
    expect(res.headers.get('content-type'), label).toContain('application/problem+json');
    expect(res.body.code, label).toBe(code);
    expect(res.body).toMatchObject({
      status,
      type: expect.stringContaining(code),
      title: expect.any(String),
      detail: expect.any(String),
    });
    cases += 1;
  };

  await refused({}, 'empty object');
  await refused([], 'array body');
  await refused({ ...endpoint.valid, isAdmin: true, role_override: 'superadmin' }, 'unknown fields');
  await refused('{"email": "a@b.c",', 'malformed JSON', 400, 'validation_failed', {
    'content-type': 'application/json',
  });
  await refused('null', 'JSON null', 400, 'validation_failed', { 'content-type': 'application/json' });
  await refused(`{"pad":"${'a'.repeat(1024 * 1024)}"}`, '1 MB body', 413, 'payload_too_large', {
    'content-type': 'application/json',
  });
  await refused(`{"pad":"${'é'.repeat(200_000)}"}`, 'multi-byte oversized body', 413, 'payload_too_large', {
    'content-type': 'application/json; charset=utf-8',
  });
  for (const [name, field] of Object.entries(endpoint.fields)) {
    if (field.required) {
      const { [name]: _omitted, ...rest } = endpoint.valid;
      await refused(rest, `missing ${name}`);
    }
    for (const value of field.invalid ?? INVALID_VALUES[field.kind]) {
      await refused({ ...endpoint.valid, [name]: value }, `${name}=${JSON.stringify(value)?.slice(0, 60)}`);
    }
  }
  expect(await countRows(knex), `${endpoint.method} ${endpoint.path} wrote nothing`).toEqual(before);
  return cases;
}
