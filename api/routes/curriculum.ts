import { z } from 'zod';
import { curriculumRepo } from '../../lib/db/repositories/curriculum';
import { errors } from '../../lib/errors';
import { ApiRouter } from '../http/route';
import type { RouterFactory } from './index';
import { trackCodeInput, trackCodeSchema } from '../../lib/domain/index';

const trackSummary = z.object({
  code: trackCodeSchema,
  name: z.string(),
  description: z.string(),
  priceCents: z.number().int(),
  currency: z.string(),
});
const deliverable = z.object({
  id: z.uuid(),
  position: z.number().int(),
  title: z.string(),
  kind: z.string(),
  required: z.boolean(),
});
const step = z.object({
  id: z.uuid(),
  position: z.number().int(),
  title: z.string(),
  deliverables: z.array(deliverable),
});
const project = z.object({
  id: z.uuid(),
  position: z.number().int(),
  slug: z.string(),
  title: z.string(),
  description: z.string(),
  required: z.boolean(),
  steps: z.array(step),
});
const trackDetail = trackSummary.extend({ projects: z.array(project) });

const summary = ({ code, name, description, priceCents, currency }: z.infer<typeof trackSummary>) => ({
  code,
  name,
  description,
  priceCents,
  currency,
});

export const createCurriculumRouter: RouterFactory = ({ knex }, registry) => {
  const api = new ApiRouter(registry);

  api.route(
    {
      method: 'get',
      path: '/api/tracks',
      summary: 'List tracks with prices',
      tags: ['Curriculum'],
      responses: { 200: { description: 'Tracks', schema: z.array(trackSummary) } },
    },
    [],
    async (_input, _req, res) => {
      const tracks = await curriculumRepo.listTracks(knex);
      res.json(tracks.map(summary));
    },
  );

  api.route(
    {
      method: 'get',
      path: '/api/tracks/:code',
      summary: 'A track with its projects, steps and deliverables',
      tags: ['Curriculum'],
      params: z.object({
        code: trackCodeInput,
      }),
      responses: { 200: { description: 'The track', schema: trackDetail } },
    },
    [],
    async ({ params }, _req, res) => {
      const tree = await curriculumRepo.trackTree(knex, params.code);
      if (!tree) throw errors.notFound('Track');
      res.json({
        ...summary(tree),
        projects: tree.projects.map(({ id, position, slug, title, description, required, steps }) => ({
          id,
          position,
          slug,
          title,
          description,
          required,
          steps,
        })),
      });
    },
  );

  return { router: api.router };
};
