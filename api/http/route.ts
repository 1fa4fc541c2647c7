import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { parseInput } from './validate';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface RouteSpec<B extends z.ZodType, Q extends z.ZodType, P extends z.ZodType> {
  method: Method;
  path: string;
  summary: string;
  /** Longer API docs, when the summary cannot say it all. */
  description?: string;
  tags: string[];
  /** Whether OpenAPI shows the bearer requirement. */
  secured?: boolean;
  body?: B;
  query?: Q;
  params?: P;
  responses: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
}

export interface RouteInput<B, Q, P> {
  body: B;
  query: Q;
  params: P;
}

type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

/** A documented problem answer (RFC 9457), e.g. `{ 429: problem('Too many attempts') }`. */
export const problem = (description: string) => ({
  description,
  schema: problemSchema,
  contentType: 'application/problem+json',
});

const toOpenApiPath = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/**
 * One declaration per endpoint: the zod schemas validate the request and document it
 * in OpenAPI, so the two cannot drift apart.
 */
export class ApiRouter {
  readonly router = Router();
  constructor(private readonly registry: OpenAPIRegistry) {}

  route<
    B extends z.ZodType = z.ZodUndefined,
    Q extends z.ZodType = z.ZodUndefined,
    P extends z.ZodType = z.ZodUndefined,
  >(
    spec: RouteSpec<B, Q, P>,
    guards: RequestHandler[],
    handler: (input: RouteInput<Out<B>, Out<Q>, Out<P>>, req: Request, res: Response) => Promise<unknown> | unknown,
  ): void {
    documentRoute(this.registry, spec);
    const run: RequestHandler = async (req, res) => {
      const input = {
        params: (spec.params ? parseInput(spec.params, req.params, 'path') : undefined) as Out<P>,
        query: (spec.query ? parseInput(spec.query, req.query, 'query') : undefined) as Out<Q>,
        body: (spec.body ? parseInput(spec.body, req.body, 'request body') : undefined) as Out<B>,
      };
      await handler(input, req, res);
    };
    this.router[spec.method](spec.path, ...guards, run);
  }
}

/**
 * Adds one endpoint to the OpenAPI document. ApiRouter calls it for every route; the few
 * endpoints served outside an ApiRouter (health, metrics, the docs themselves) call it directly.
 */
export function documentRoute(registry: OpenAPIRegistry, spec: RouteSpec<z.ZodType, z.ZodType, z.ZodType>): void {
  const responses: RouteConfig['responses'] = {};
  // Every signed-in change may meet the cookie guard (api/http/cookie-requests.ts) besides its role check.
  const implied =
    spec.secured && spec.method !== 'get'
      ? {
          403: problem(
            'Not allowed: the role or assignment does not permit it, or a change signed in by cookie came without JSON or a matching Origin',
          ),
        }
      : {};
  for (const [status, response] of Object.entries({ ...implied, ...spec.responses })) {
    responses[status] = response.schema
      ? {
          description: response.description,
          content: { [response.contentType ?? 'application/json']: { schema: response.schema } },
        }
      : { description: response.description };
  }
  responses.default = {
    description: 'A problem (RFC 9457)',
    content: { 'application/problem+json': { schema: problemSchema } },
  };
  registry.registerPath({
    method: spec.method,
    path: toOpenApiPath(spec.path),
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    tags: spec.tags,
    ...(spec.secured ? { security: [{ bearerAuth: [] }] } : {}),
    request: {
      ...(spec.params ? { params: spec.params as never } : {}),
      ...(spec.query ? { query: spec.query as never } : {}),
      ...(spec.body ? { body: { required: true, content: { 'application/json': { schema: spec.body } } } } : {}),
    },
    responses,
  });
}
