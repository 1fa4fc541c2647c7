import type { TrackCode } from '../../domain/tracks';
import type { Db } from '../knex';

export interface TrackRow {
  code: TrackCode;
  name: string;
  description: string;
  priceCents: number;
  currency: string;
  active: boolean;
}
export interface ProjectRow {
  id: string;
  trackCode: string;
  position: number;
  slug: string;
  title: string;
  description: string;
  required: boolean;
}

export const curriculumRepo = {
  listTracks: (db: Db): Promise<TrackRow[]> => db('tracks').where({ active: true }).orderBy('code'),
  findTrack: (db: Db, code: string): Promise<TrackRow | undefined> => db('tracks').where({ code }).first(),
  listProjects: (db: Db, trackCode: string): Promise<ProjectRow[]> =>
    db('projects').where({ trackCode }).orderBy('position'),
  projectExists: async (db: Db, id: string): Promise<boolean> =>
    Boolean(await db('projects').where({ id }).first('id')),
  findProjectInTrack: (
    db: Db,
    id: string,
    trackCode: string,
  ): Promise<Pick<ProjectRow, 'id' | 'position' | 'title' | 'required' | 'trackCode'> | undefined> =>
    db('projects').where({ id, trackCode }).first('id', 'position', 'title', 'required', 'trackCode'),
  findStep: (db: Db, id: string): Promise<{ id: string; projectId: string } | undefined> =>
    db('steps').where({ id }).first('id', 'projectId'),
  /** Whether the deliverable belongs to one of the project's steps. */
  isDeliverableOf: async (db: Db, deliverableId: string, projectId: string): Promise<boolean> =>
    Boolean(
      await db('deliverables as d')
        .join('steps as s', 's.id', 'd.stepId')
        .where({ 'd.id': deliverableId, 's.projectId': projectId })
        .first('d.id'),
    ),

  /** A track with its projects, steps and deliverables, in three queries. */
  async trackTree(db: Db, code: string) {
    const track = await curriculumRepo.findTrack(db, code);
    if (!track) return undefined;
    const projects = await curriculumRepo.listProjects(db, code);
    const projectIds = projects.map((p) => p.id);
    const steps: { id: string; projectId: string; position: number; title: string }[] = projectIds.length
      ? await db('steps').whereIn('projectId', projectIds).orderBy(['projectId', 'position'])
      : [];
    const deliverables: {
      id: string;
      stepId: string;
      position: number;
      title: string;
      kind: string;
      required: boolean;
    }[] = steps.length
      ? await db('deliverables')
          .whereIn(
            'stepId',
            steps.map((s) => s.id),
          )
          .orderBy(['stepId', 'position'])
      : [];
    return {
      ...track,
      projects: projects.map((project) => ({
        ...project,
        steps: steps
          .filter((s) => s.projectId === project.id)
          .map((step) => ({
            id: step.id,
            position: step.position,
            title: step.title,
            deliverables: deliverables
              .filter((d) => d.stepId === step.id)
              .map(({ id, position, title, kind, required }) => ({ id, position, title, kind, required })),
          })),
      })),
    };
  },
};
