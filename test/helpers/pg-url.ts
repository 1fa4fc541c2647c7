/** The server tests create databases on: TEST_DATABASE_URL, else the local PostgreSQL. */
const BASE = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function databaseUrl(database: string): string {
  const url = new URL(BASE);
  url.pathname = `/${database}`;
  return url.toString();
}

export const adminUrl = (): string => BASE;
