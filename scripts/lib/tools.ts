import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

export const PROJECT_ROOT = resolve(import.meta.dirname, '../..');

/** A tool from the project's `.tools/` virtualenv, else from PATH. */
export function toolPath(
  name: 'temporal' | 'temporal-test-server' | 'moto_server' | 'schemathesis' | 'st',
): string | undefined {
  const local = resolve(PROJECT_ROOT, '.tools/bin', name);
  if (existsSync(local)) return local;
  try {
    return execFileSync('which', [name], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export function requireTool(name: Parameters<typeof toolPath>[0]): string {
  const path = toolPath(name);
  if (!path) throw new Error(`${name} is not installed: run \`npm run setup\` first.`);
  return path;
}
