import { z } from 'zod';

// PostgreSQL text cannot hold NUL, and escape sequences have no place in notes a trainer reads.
const NO_CONTROL_EXCEPT_WHITESPACE = /^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F]*$/;

/** Free text a person writes (notes, feedback): bounded, line breaks and tabs allowed, other control characters refused. */
export const freeText = (max: number) =>
  z.string().max(max).regex(NO_CONTROL_EXCEPT_WHITESPACE, 'must not contain control characters');
