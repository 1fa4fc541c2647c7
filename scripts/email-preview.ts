/** Renders every email template with sample data into .data/email-preview/ (HTML and text). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderEmail, SAMPLE_DATA, TEMPLATE_NAMES } from '../templates/email/index';

const dir = join(process.env.DATA_DIR ?? '.data', 'email-preview');
mkdirSync(dir, { recursive: true });
const index: string[] = [];
for (const name of TEMPLATE_NAMES) {
  const email = renderEmail(name, SAMPLE_DATA[name], {
    recipientName: name === 'admin-alert' ? undefined : 'Ada Lovelace',
    appUrl: process.env.PUBLIC_BASE_URL ?? 'http://localhost:3000',
    // Messages with a single-use link show a sample one (real ones are minted at delivery).
    linkUrl: 'http://localhost:3000/verify-email#token=preview-only',
  });
  writeFileSync(join(dir, `${name}.html`), email.html);
  writeFileSync(join(dir, `${name}.txt`), `Subject: ${email.subject}\n\n${email.text}`);
  index.push(
    `<li><a href="${name}.html">${name}</a> (<a href="${name}.txt">text</a>): ${email.subject.replace(/</g, '&lt;')}</li>`,
  );
}
writeFileSync(
  join(dir, 'index.html'),
  `<!doctype html><meta charset="utf-8"><title>Cohort emails</title><ul>${index.join('\n')}</ul>\n`,
);
console.log(`${TEMPLATE_NAMES.length} templates rendered to ${dir}/`);
