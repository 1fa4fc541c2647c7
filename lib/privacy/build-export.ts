import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import yazl from 'yazl';
import type { Knex } from '../db/knex';
import { EXPORT_CATEGORIES, PERSONAL_DATA_REGISTRY, type ExportCategory, type RegistryEntry } from './registry';

export const EXPORT_SCHEMA_VERSION = 1;

export interface ExportFile {
  name: string;
  category: ExportCategory | 'readme';
  rows: Record<string, number>;
  bytes: number;
  sha256: string;
}
export interface ExportManifest {
  schemaVersion: number;
  exportId: string;
  userId: string;
  createdAt: string;
  files: ExportFile[];
}

const CATEGORY_TEXT: Record<ExportCategory, string> = {
  profile: 'Your account: email, name, role, consents given at sign-up, and the sign-in providers linked to it.',
  consents: 'Each time you accepted a privacy policy or terms version, or gave or withdrew a consent.',
  enrollments: 'The tracks you enrolled in, their status, and the status changes made to them.',
  progress: 'Projects unlocked, started and completed, and the steps you completed.',
  submissions: 'What you submitted (repository and deployment links, notes) and the feedback you received.',
  payments: 'Your payments, as references only (amount, currency, status and the payment processor reference).',
  certificates: 'The certificates issued to you, with their verification codes.',
  'external-resources': 'External resources (dashboards, notebooks, deployments) recorded for you.',
  workspaces: 'Your database workspaces (the schema name and dates; never passwords).',
  audit: 'Security log entries about you: actions, their outcome, time and network address.',
  emails: 'The emails we sent you: template, subject, status, time and text.',
  'privacy-requests': 'Your data exports and deletion requests.',
};

const entriesOf = (category: ExportCategory) => PERSONAL_DATA_REGISTRY.filter((e) => e.export?.category === category);

function readme(present: Set<string>): string {
  const parts = [
    'Your Cohort data export',
    '=======================',
    '',
    'Each JSON file holds one kind of data, as an object with one list per database table.',
    'manifest.json lists every file with its row counts and its SHA-256, so you can check nothing was altered.',
    '',
  ];
  for (const category of EXPORT_CATEGORIES) {
    parts.push(`${category}.json`, `  ${CATEGORY_TEXT[category]}`);
    for (const entry of entriesOf(category))
      parts.push(
        `  - ${entry.table}${present.has(entry.table) ? '' : ' (not in use yet)'}: ${entry.export!.columns.join(', ')}`,
        `    kept: ${entry.retention}`,
      );
    parts.push('');
  }
  return parts.join('\n');
}

const PAGE_ROWS = 500;

/**
 * A table's exported rows, a page at a time by `id` (tables without one are small and come
 * in one query). Plain queries rather than a cursor stream: a knex stream whose connection
 * dies (a database restart) neither ends nor fails, so the export would hang.
 */
async function* pagesOf(
  db: Knex,
  userId: string,
  entry: RegistryEntry,
  keyed: boolean,
): AsyncGenerator<Record<string, unknown>> {
  const columns = entry.export!.columns;
  if (!keyed) {
    yield* (await entry.rowsOf(db, userId).select(columns)) as Record<string, unknown>[];
    return;
  }
  let after: string | undefined;
  for (;;) {
    const page = (await entry
      .rowsOf(db, userId)
      .modify((q) => (after === undefined ? q : q.andWhere(`${entry.table}.id`, '>', after)))
      .select([...columns, `${entry.table}.id as pageKey`])
      .orderBy(`${entry.table}.id`)
      .limit(PAGE_ROWS)) as Record<string, unknown>[];
    for (const { pageKey, ...row } of page) {
      after = pageKey as string;
      yield row;
    }
    if (page.length < PAGE_ROWS) return;
  }
}

/** One category's JSON, written row by row a page at a time; counts and hashes as it goes. */
async function* categoryJson(
  db: Knex,
  userId: string,
  entries: RegistryEntry[],
  present: Set<string>,
  keyed: Set<string>,
  file: ExportFile,
): AsyncGenerator<Buffer> {
  const hash = createHash('sha256');
  const emit = (text: string) => {
    const chunk = Buffer.from(text);
    hash.update(chunk);
    file.bytes += chunk.length;
    return chunk;
  };
  yield emit('{');
  let firstTable = true;
  for (const entry of entries) {
    yield emit(`${firstTable ? '' : ','}\n  ${JSON.stringify(entry.table)}: [`);
    firstTable = false;
    let n = 0;
    if (present.has(entry.table)) {
      for await (const row of pagesOf(db, userId, entry, keyed.has(entry.table)))
        yield emit(`${n++ === 0 ? '' : ','}\n    ${JSON.stringify(row)}`);
    }
    file.rows[entry.table] = n;
    yield emit(n === 0 ? ']' : '\n  ]');
  }
  yield emit('\n}\n');
  file.sha256 = hash.digest('hex');
}

/**
 * The user's export as a ZIP stream: one JSON file per registry category, a README and a
 * manifest. Rows are read a page at a time and zipped as they come (yazl writes entries in
 * order and pulls each lazily), so memory stays flat however long the history. The
 * manifest is written last, once every file's hash is known; `manifest` resolves then.
 */
export async function buildExportArchive(
  db: Knex,
  input: { userId: string; exportId: string; now?: Date },
): Promise<{ stream: Readable; manifest: Promise<ExportManifest> }> {
  const tables: { tableName: string }[] = await db
    .select('table_name')
    .from('information_schema.tables')
    .where('table_schema', 'public');
  const present = new Set(tables.map((t) => t.tableName));
  const withId: { tableName: string }[] = await db
    .select('table_name')
    .from('information_schema.columns')
    .where({ tableSchema: 'public', columnName: 'id' });
  const keyed = new Set(withId.map((t) => t.tableName));
  const zip = new yazl.ZipFile();
  const outputStream = zip.outputStream as Readable;
  zip.on('error', (error: Error) => outputStream.destroy(error));
  const manifest: ExportManifest = {
    schemaVersion: EXPORT_SCHEMA_VERSION,
    exportId: input.exportId,
    userId: input.userId,
    createdAt: (input.now ?? new Date()).toISOString(),
    files: [],
  };
  const text = readme(present);
  zip.addBuffer(Buffer.from(text), 'README.txt');
  manifest.files.push({
    name: 'README.txt',
    category: 'readme',
    rows: {},
    bytes: Buffer.byteLength(text),
    sha256: createHash('sha256').update(text).digest('hex'),
  });
  for (const category of EXPORT_CATEGORIES) {
    const file: ExportFile = { name: `${category}.json`, category, rows: {}, bytes: 0, sha256: '' };
    manifest.files.push(file);
    zip.addReadStreamLazy(file.name, (cb) => {
      const source = Readable.from(categoryJson(db, input.userId, entriesOf(category), present, keyed, file));
      // yazl pipes the entry without listening for its errors: a query whose connection died
      // (a database restart) would crash the process instead of failing the archive.
      source.once('error', (error) => outputStream.destroy(error));
      cb(null, source);
    });
  }
  let resolveManifest!: (m: ExportManifest) => void;
  const done = new Promise<ExportManifest>((resolve) => (resolveManifest = resolve));
  // Pulled after every category file was written: their hashes are final by then.
  zip.addReadStreamLazy('manifest.json', (cb) => {
    resolveManifest(manifest);
    cb(null, Readable.from([Buffer.from(JSON.stringify(manifest, null, 2))]));
  });
  zip.end();
  return { stream: outputStream, manifest: done };
}
