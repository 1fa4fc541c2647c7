import { spawn } from 'node:child_process';
import { reachable } from '../../scripts/lib/database';
import { requireTool } from '../../scripts/lib/tools';
import { freePort } from './ports';

export interface Moto {
  endpoint: string;
  stop(): Promise<void>;
}

/** moto server (AWS APIs: S3, Secrets Manager) from .tools/ on a free loopback port, until stop(). */
export async function startMoto(): Promise<Moto> {
  const port = await freePort();
  const child = spawn(requireTool('moto_server'), ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 30_000;
  while (!(await reachable('127.0.0.1', port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('moto server did not start');
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
