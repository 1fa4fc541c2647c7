/** Defined beside the workflows, which set them in the sandbox; the API, activities and worker import them from here. */
export * from '../../workflows/shared/search-attributes';
