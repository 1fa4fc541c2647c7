import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { COHORT_SEARCH_ATTRIBUTES } from '../../lib/temporal/search-attributes';
import { reachable } from './database';
import { requireTool } from './tools';

export interface TemporalDevServer {
  address: string;
  uiUrl: string;
  /** True when this process started the server (and so stops it). */
  started: boolean;
  stop(): Promise<void>;
}

export interface TemporalDevOptions {
  /** TEMPORAL_ADDRESS when set; reused if it answers, else a dev server is started on its port. */
  address?: string;
  uiPort: number;
  dataDir: string;
  /** The UI's remote codec endpoint (`--ui-codec-endpoint`), for a dev server this starts. */
  uiCodecEndpoint?: string;
  onOutput?: (chunk: Buffer) => void;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** The CLI's spelling of each search attribute type. */
const CLI_TYPE: Record<string, string> = {
  KEYWORD: 'Keyword',
  TEXT: 'Text',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};

/** The `--search-attribute` flags that register Cohort's search attributes on a dev server. */
export function searchAttributeArgs(): string[] {
  return COHORT_SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=${CLI_TYPE[key.type]}`]);
}

function splitAddress(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(':');
  return { host: address.slice(0, at), port: Number(address.slice(at + 1)) };
}

export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  child: ChildProcess,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${what} exited early (code ${child.exitCode ?? child.signalCode})`);
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} did not come up within ${timeoutMs / 1000} s`);
}

/** Stops a child with SIGTERM, then SIGKILL after `graceMs`. */
export function stopChild(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Reuses a Temporal server that already answers on TEMPORAL_ADDRESS (or 127.0.0.1:7233),
 * else starts `temporal server start-dev` with its state in a SQLite file under the data
 * directory (WAL pragmas: far faster) and Cohort's search attributes registered.
 */
export async function startOrReuseTemporal(options: TemporalDevOptions): Promise<TemporalDevServer> {
  const address = options.address ?? '127.0.0.1:7233';
  const { host, port } = splitAddress(address);
  const uiUrl = `http://localhost:${options.uiPort}`;
  if (await reachable(host.replace(/^\[|\]$/g, ''), port))
    return { address, uiUrl, started: false, stop: async () => undefined };
  if (!LOOPBACK.has(host))
    throw new Error(`Temporal does not answer at ${address}, and a dev server can only be started on this machine.`);

  mkdirSync(options.dataDir, { recursive: true });
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--ui-port',
    String(options.uiPort),
    '--db-filename',
    join(options.dataDir, 'temporal.sqlite'),
    '--sqlite-pragma',
    'journal_mode=WAL',
    '--sqlite-pragma',
    'synchronous=OFF',
    '--log-level',
    'warn',
    ...searchAttributeArgs(),
    ...(options.uiCodecEndpoint ? ['--ui-codec-endpoint', options.uiCodecEndpoint] : []),
  ];
  // Own process group: Ctrl-C must not stop Temporal before the worker has drained into it.
  const child = spawn(requireTool('temporal'), args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  // Detached, so it would outlive a crashed parent unless told to go.
  const orphanGuard = () => child.kill('SIGTERM');
  process.once('exit', orphanGuard);
  child.once('exit', () => process.removeListener('exit', orphanGuard));
  child.stdout?.on('data', (chunk: Buffer) => options.onOutput?.(chunk));
  child.stderr?.on('data', (chunk: Buffer) => options.onOutput?.(chunk));
  const stop = () => stopChild(child);
  try {
    await waitUntil('Temporal dev server', () => reachable('127.0.0.1', port), child, 60_000);
    await waitUntil('Temporal UI', () => reachable('127.0.0.1', options.uiPort), child, 30_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { address: `127.0.0.1:${port}`, uiUrl, started: true, stop };
}
