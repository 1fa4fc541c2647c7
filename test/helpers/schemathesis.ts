import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireTool } from '../../scripts/lib/tools';
import type { HttpClient } from './http';

/** Runs schemathesis (from .tools/); resolves with its exit code and output. */
export function schemathesis(
  args: string[],
  cwd: string,
  timeoutMs: number,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(requireTool('st'), args, {
      cwd,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

export const CONTROL_CHARACTERS = String.raw`\x00-\x1F\x7F-\x9F`; // exactly Unicode's Cc category

/**
 * Our patterns are ECMAScript regexes in unicode mode; schemathesis compiles them with
 * Python's `re`, which has no `\p{…}`. `\p{Cc}` translates exactly; a pattern with any
 * other property escape is dropped (the server still enforces it).
 */
function translatePattern(pattern: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      if (pattern.startsWith('\\p{Cc}', i)) {
        out += inClass ? CONTROL_CHARACTERS : `[${CONTROL_CHARACTERS}]`;
        i += '\\p{Cc}'.length - 1;
      } else {
        out += c + (pattern[i + 1] ?? '');
        i += 1;
      }
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    out += c;
  }
  return out;
}

export function toPythonPatterns(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toPythonPatterns);
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'pattern' && typeof value === 'string') {
      const translated = translatePattern(value);
      if (!translated.includes('\\p{')) out[key] = translated;
    } else {
      out[key] = toPythonPatterns(value);
    }
  }
  return out;
}

/**
 * The API's OpenAPI document, patterns translated for Python, written to a fresh temporary
 * directory (run schemathesis there: its caches stay out of the repository).
 */
export async function writeSchemathesisSchema(http: HttpClient): Promise<{ dir: string; schemaFile: string }> {
  const document = toPythonPatterns((await http.get('/api/openapi.json')).body);
  const dir = mkdtempSync(join(tmpdir(), 'cohort-schemathesis-'));
  const schemaFile = join(dir, 'openapi.json');
  writeFileSync(schemaFile, JSON.stringify(document));
  return { dir, schemaFile };
}
