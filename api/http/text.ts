import { z } from 'zod';

// Unicode's Cc category (C0, DEL, C1). PostgreSQL text cannot hold NUL (a 500 otherwise), and
// escape sequences have no place in text a trainer or admin reads in a terminal or a page.
const ONE_LINE = /^[^\p{Cc}]*$/u;
const LINES = /^(?:[\t\n\r]|[^\p{Cc}])*$/u;
const MESSAGE = 'must not contain control characters';

export interface FreeTextOptions {
  /** false: one line (names, titles): no tab or line break either. Default true. */
  multiline?: boolean;
  /** Strip surrounding white space before the checks. Default false. */
  trim?: boolean;
}

/**
 * Text a person writes (names, reasons, notes, feedback, policy content): the one schema
 * every such field goes through. Bounded; control characters refused with 400.
 */
export function freeText(max: number, options: FreeTextOptions = {}) {
  const base = options.trim ? z.string().trim() : z.string();
  return base.max(max).regex(options.multiline === false ? ONE_LINE : LINES, MESSAGE);
}

/** Refuses control characters in a value that is not prose (a URL, a search term). */
export const noControlCharacters = <S extends { regex(pattern: RegExp, message: string): S }>(schema: S): S =>
  schema.regex(ONE_LINE, MESSAGE);
