import type { z } from 'zod';
import { errors, type FieldError } from '../../lib/errors';

export function toFieldErrors(issues: z.core.$ZodIssue[]): FieldError[] {
  return issues.map((issue) => ({ path: issue.path.map(String).join('.') || '(body)', message: issue.message }));
}

/** Parses untrusted input with a zod schema; a failure is a 400 naming every field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what = 'request'): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (!result.success) throw errors.validation(`The ${what} is not valid.`, toFieldErrors(result.error.issues));
  return result.data;
}
