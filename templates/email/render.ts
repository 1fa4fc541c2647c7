import { readFileSync } from 'node:fs';
import Handlebars from 'handlebars';
import { SUBJECTS, TEMPLATE_DATA, type TemplateData, type TemplateName } from './catalog';

/*
 * Handlebars rather than template literals: it HTML-escapes every {{value}} by default
 * (a title like "<script>" cannot inject markup), keeps the markup in .hbs files a
 * designer can edit, and gives layouts through a plain {{{body}}} slot.
 */
const hbs = Handlebars.create();
const dir = new URL('./', import.meta.url);
const read = (file: string) => readFileSync(new URL(file, dir), 'utf8');

type Compiled = Handlebars.TemplateDelegate;
const htmlLayout = hbs.compile(read('layout.html.hbs'));
const textLayout = hbs.compile(read('layout.txt.hbs'), { noEscape: true });
const cache = new Map<string, Compiled>();

function compiled(key: string, source: () => string, noEscape: boolean): Compiled {
  let fn = cache.get(key);
  if (!fn) {
    fn = hbs.compile(source(), { noEscape });
    cache.set(key, fn);
  }
  return fn;
}

export interface RenderContext {
  /** Greeting name, looked up by the sending activity; absent for admin mail. */
  recipientName?: string;
  /** PUBLIC_BASE_URL, for links back to the app. */
  appUrl: string;
  /**
   * The message's single-use account link, or SECRET_LINK_PLACEHOLDER in the stored copy:
   * secrets never travel in template data (workflow history) nor rest in email_messages.
   */
  linkUrl?: string;
}

/** Stands where a single-use link goes in a stored message; withSecretLink puts the real one in at delivery. */
export const SECRET_LINK_PLACEHOLDER = '[link removed: sent to the recipient only]';

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

export class TemplateDataError extends Error {
  constructor(template: string, detail: string) {
    super(`Invalid data for email template ${template}: ${detail}`);
    this.name = 'TemplateDataError';
  }
}

/** Validates `data` against the template's schema, then renders subject, HTML and text. */
export function renderEmail<T extends TemplateName>(
  template: T,
  data: TemplateData<T> | Record<string, unknown>,
  context: RenderContext,
): RenderedEmail {
  // Activity inputs carry null for "no value"; the schemas call that absent.
  const present = Object.fromEntries(Object.entries(data).filter(([, value]) => value !== null && value !== undefined));
  const parsed = TEMPLATE_DATA[template].safeParse(present);
  if (!parsed.success)
    throw new TemplateDataError(
      template,
      parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    );
  const view = {
    ...parsed.data,
    recipientName: context.recipientName,
    appUrl: context.appUrl.replace(/\/+$/, ''),
    linkUrl: context.linkUrl,
  };
  const subject = compiled(
    `${template}.subject`,
    () => SUBJECTS[template],
    true,
  )(view)
    .replace(/\s+/g, ' ')
    .trim();
  const htmlBody = compiled(`${template}.html`, () => read(`${template}.html.hbs`), false)(view);
  const textBody = compiled(`${template}.txt`, () => read(`${template}.txt.hbs`), true)(view);
  return {
    subject,
    html: htmlLayout({ ...view, subject, body: new hbs.SafeString(htmlBody) }),
    text: textLayout({ ...view, subject, body: textBody.trim() }).trim() + '\n',
  };
}

/**
 * The delivered form of a stored message: its placeholders replaced by the real link,
 * escaped in the HTML part exactly as the template would have escaped it.
 */
export function withSecretLink(message: { html: string; text: string }, url: string): { html: string; text: string } {
  return {
    html: message.html.replaceAll(hbs.escapeExpression(SECRET_LINK_PLACEHOLDER), hbs.escapeExpression(url)),
    text: message.text.replaceAll(SECRET_LINK_PLACEHOLDER, url),
  };
}
