import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from '../helpers/stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack({ worker: false });
});
afterAll(async () => {
  await stack?.close();
});

describe('API documentation', () => {
  it('serves OpenAPI 3.1 with the curriculum paths and their responses', async () => {
    const res = await stack.http.get('/api/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\.1\./);
    expect(res.body.info.title).toBeTruthy();
    expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(['/api/tracks', '/api/tracks/{code}']));
    const getTrack = res.body.paths['/api/tracks/{code}'].get;
    expect(getTrack.parameters.some((p: { name: string; in: string }) => p.name === 'code' && p.in === 'path')).toBe(
      true,
    );
    expect(getTrack.responses['200']).toBeDefined();
    expect(res.body.paths['/api/tracks'].get.responses['200'].content['application/json'].schema).toBeDefined();
  });

  it('serves browsable docs as HTML', async () => {
    const res = await fetch(`${stack.baseUrl}/api/docs/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    expect(html).toContain('swagger-ui');
    expect(html).toContain('Cohort API');
  });
});
