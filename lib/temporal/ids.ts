/** Defined beside the workflows, which build ids in the sandbox; the API, activities and worker import them from here. */
export * from '../../workflows/shared/ids';
