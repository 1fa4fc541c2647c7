import { spawn } from 'node:child_process';
import { requireTool } from '../../scripts/lib/tools';
import { freePort } from './ports';

export interface MotoServer {
  url: string;
  stop(): Promise<void>;
}

/** moto's standalone server (S3, Secrets Manager, …) on a free loopback port, from .tools/. */
export async function startMotoServer(): Promise<MotoServer> {
  const port = await freePort();
  const child = spawn(requireTool('moto_server'), ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited: ${stderr}`);
    try {
      const answer = await fetch(`${url}/moto-api/`);
      if (answer.status < 500) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto_server did not start: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
