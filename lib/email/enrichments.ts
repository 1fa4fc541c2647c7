import type { Config } from '../config';
import type { Db } from '../db/knex';
import type { RenderContext, TemplateData, TemplateName } from '../../templates/email/index';
import { welcomeSetPasswordLink } from './welcome-set-password-link';

/** What a template's send-time work adds to the render, beside the workflow's data. */
export interface Enrichment {
  context: Partial<RenderContext>;
  /** Undoes the work when the message turns out to exist already (a concurrent send won). */
  discard?: () => Promise<void>;
}

export interface EnrichmentInput<T extends TemplateName> {
  db: Db;
  config: Config;
  /** Null for admin mail. */
  recipientUserId: string | null;
  data: TemplateData<T>;
}

export type Enricher<T extends TemplateName> = (input: EnrichmentInput<T>) => Promise<Enrichment>;

/** Template-specific work at send time: secrets minted here reach the email, never workflow history. */
const ENRICHERS: { [T in TemplateName]?: Enricher<T> } = {
  welcome: welcomeSetPasswordLink,
};

const NOTHING: Enrichment = { context: {} };

export async function enrichEmail<T extends TemplateName>(template: T, input: EnrichmentInput<T>): Promise<Enrichment> {
  const enrich: Enricher<T> | undefined = ENRICHERS[template];
  return enrich ? enrich(input) : NOTHING;
}
