import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Db } from '../knex';
import { INITIAL_POLICIES } from './policies';
import { trackCodeSchema } from '../../domain/index';

const curriculumSchema = z.object({
  tracks: z.array(
    z.object({
      code: trackCodeSchema,
      name: z.string(),
      description: z.string(),
      priceCents: z.number().int().positive(),
      currency: z.string().length(3),
      projects: z
        .array(
          z.object({
            slug: z.string(),
            title: z.string(),
            description: z.string(),
            required: z.boolean(),
            steps: z
              .array(
                z.object({
                  title: z.string(),
                  deliverables: z
                    .array(z.object({ title: z.string(), kind: z.enum(['repository', 'deployment']) }))
                    .min(1),
                }),
              )
              .min(1),
          }),
        )
        .min(5),
    }),
  ),
});

export type CurriculumData = z.infer<typeof curriculumSchema>;

export function loadCurriculumData(): CurriculumData {
  const raw = readFileSync(new URL('./curriculum.json', import.meta.url), 'utf8');
  return curriculumSchema.parse(JSON.parse(raw));
}

/** Upserts tracks, projects, steps and deliverables by their natural keys; safe to rerun. */
export async function seedCurriculum(db: Db, data: CurriculumData = loadCurriculumData()): Promise<void> {
  for (const track of data.tracks) {
    await db('tracks')
      .insert({
        code: track.code,
        name: track.name,
        description: track.description,
        priceCents: track.priceCents,
        currency: track.currency,
      })
      .onConflict('code')
      .merge(['name', 'description', 'priceCents', 'currency']);
    for (const [pIndex, project] of track.projects.entries()) {
      const [{ id: projectId }] = await db('projects')
        .insert({
          trackCode: track.code,
          position: pIndex + 1,
          slug: project.slug,
          title: project.title,
          description: project.description,
          required: project.required,
        })
        .onConflict(['trackCode', 'slug'])
        .merge(['position', 'title', 'description', 'required'])
        .returning('id');
      for (const [sIndex, step] of project.steps.entries()) {
        const [{ id: stepId }] = await db('steps')
          .insert({ projectId, position: sIndex + 1, title: step.title })
          .onConflict(['projectId', 'position'])
          .merge(['title'])
          .returning('id');
        for (const [dIndex, deliverable] of step.deliverables.entries()) {
          await db('deliverables')
            .insert({ stepId, position: dIndex + 1, title: deliverable.title, kind: deliverable.kind })
            .onConflict(['stepId', 'position'])
            .merge(['title', 'kind']);
        }
      }
    }
  }
}

/** Seeds the first privacy policy and terms as active when none is active yet. */
export async function seedPolicies(db: Db): Promise<void> {
  for (const [table, doc] of [
    ['privacy_policies', INITIAL_POLICIES.privacy],
    ['terms_of_service', INITIAL_POLICIES.terms],
  ] as const) {
    const active = await db(table).where({ active: true }).first();
    if (active) continue;
    await db(table)
      .insert({
        version: doc.version,
        content: doc.content,
        effectiveDate: doc.effectiveDate,
        active: true,
        activatedAt: db.fn.now(),
      })
      .onConflict('version')
      .ignore();
  }
}

export async function seedAll(db: Db): Promise<void> {
  await seedCurriculum(db);
  await seedPolicies(db);
}
