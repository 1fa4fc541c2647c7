import { z } from 'zod';
import { noControlCharacters } from './text';

/**
 * A link a user gives us (deployment, dashboard, notebook): http(s) only, so a
 * `javascript:` URL never reaches a page, and without userinfo, so no password is
 * stored in plain text, exported and shown to staff.
 */
export const webUrl = noControlCharacters(z.url({ protocol: /^https?$/ }).max(2000)).refine((value) => {
  // zod runs this check even when z.url() has refused the value already: that refusal stands.
  if (!URL.canParse(value)) return true;
  const url = new URL(value);
  return url.username === '' && url.password === '';
}, 'must not carry a user name or password');
