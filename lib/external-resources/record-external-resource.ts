import type { Db } from '../db/knex';
import { curriculumRepo } from '../db/repositories/curriculum';
import { externalResourcesRepo, type ExternalResourceRow } from '../db/repositories/external-resources';
import { submissionsRepo } from '../db/repositories/submissions';
import { usersRepo } from '../db/repositories/users';
import type { ResourceType } from '../domain/resources';
import { errors } from '../errors';

/** Records a student's external resource; the student, project and (their own) submission must exist (404). */
export async function recordExternalResource(
  db: Db,
  input: {
    userId: string;
    projectId?: string | undefined;
    submissionId?: string | undefined;
    resourceType: ResourceType;
    resourceUrl: string;
    credentialsStored: boolean;
    createdBy: string;
  },
): Promise<ExternalResourceRow> {
  if (!(await usersRepo.isStudent(db, input.userId))) throw errors.notFound('User');
  if (input.projectId && !(await curriculumRepo.projectExists(db, input.projectId))) throw errors.notFound('Project');
  if (input.submissionId && !(await submissionsRepo.isOwnedBy(db, input.submissionId, input.userId)))
    throw errors.notFound('Submission');
  return externalResourcesRepo.insert(db, {
    userId: input.userId,
    projectId: input.projectId ?? null,
    submissionId: input.submissionId ?? null,
    resourceType: input.resourceType,
    resourceUrl: input.resourceUrl,
    credentialsStored: input.credentialsStored,
    createdBy: input.createdBy,
  });
}
