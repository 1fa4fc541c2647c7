import { z } from 'zod';

/** External resources a student works with (dashboards, notebooks, deployments). */
export const RESOURCE_TYPES = ['SUPERSET', 'JUPYTER', 'NETLIFY', 'VERCEL', 'CLOUD', 'OTHER'] as const;
export const resourceTypeSchema = z.enum(RESOURCE_TYPES);
export type ResourceType = z.infer<typeof resourceTypeSchema>;
