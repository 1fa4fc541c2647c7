import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reachable } from '../../scripts/lib/database';
import { searchAttributeArgs, stopChild, waitUntil } from '../../scripts/lib/temporal-dev';
import { requireTool } from '../../scripts/lib/tools';
import { freePort } from './ports';

export interface RestartableTemporal {
  address: string;
  /** Stops the server (SIGTERM); its SQLite file stays. */
  stop(): Promise<void>;
  /** Starts it again on the same port and file: workflows, timers and queues as they were. */
  start(): Promise<void>;
  /** Stops it and deletes its file. */
  destroy(): Promise<void>;
}

/**
 * A private `temporal server start-dev` on a SQLite file (the WAL pragmas the project
 * uses: far faster), with Cohort's search attributes, that a test may stop and start.
 */
export async function startRestartableTemporal(): Promise<RestartableTemporal> {
  const dir = mkdtempSync(join(tmpdir(), 'cohort-temporal-'));
  const port = await freePort();
  const args = [
    'server',
    'start-dev',
    '--headless',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--db-filename',
    join(dir, 'temporal.sqlite'),
    '--sqlite-pragma',
    'journal_mode=WAL',
    '--sqlite-pragma',
    'synchronous=OFF',
    '--log-level',
    'error',
    ...searchAttributeArgs(),
  ];
  let child: ChildProcess | undefined;
  const start = async () => {
    if (child && child.exitCode === null && child.signalCode === null) return;
    const started = spawn(requireTool('temporal'), args, { stdio: 'ignore' });
    child = started;
    // Generous: the dev server opens its file and registers the attributes on a busy machine.
    await waitUntil('Temporal dev server', () => reachable('127.0.0.1', port), started, 60_000);
  };
  const stop = async () => {
    if (child) await stopChild(child);
  };
  await start();
  return {
    address: `127.0.0.1:${port}`,
    start,
    stop,
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
