import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../scripts/lib/tools';

const OUTPUT_KEPT = 20_000;

/** One run of worker/main.ts in a process group of its own (its Chromium included). */
export interface WorkerProcess {
  readonly pid: number;
  /** The tail of its stdout and stderr. */
  output(): string;
  /** Resolves once the worker logged "worker running"; rejects if it exits first or stays silent `timeoutMs`. */
  ready(timeoutMs: number): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL to the whole group, as when the machine under it dies; resolves once it exited. */
  kill(): Promise<void>;
  /** SIGTERM: the worker drains and exits (bounded by `timeoutMs`, then SIGKILL). */
  stop(timeoutMs: number): Promise<void>;
}

/**
 * Starts the production worker entry (every task queue, Chromium for the PDFs) with `env`
 * as its whole environment, the way `npm run worker` would on another machine.
 */
export function startWorkerProcess(env: Record<string, string>): WorkerProcess {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'worker/main.ts')], {
    cwd: PROJECT_ROOT,
    env,
    // A group of its own, so a kill takes its Chromium with it, as a dying container would.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let buffer = '';
  let running = false;
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    buffer = (buffer + chunk.toString()).slice(-OUTPUT_KEPT);
    if (!running && buffer.includes('"msg":"worker running"')) running = true;
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  let gone = false;
  void exited.then(() => {
    gone = true;
    for (const listener of listeners) listener();
  });
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // The group is gone already.
    }
  };

  return {
    pid: child.pid!,
    output: () => buffer,
    exited,
    ready(timeoutMs) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`worker not running within ${timeoutMs} ms:\n${buffer.slice(-4000)}`));
        }, timeoutMs);
        const check = () => {
          if (!running && !gone) return;
          clearTimeout(timer);
          listeners.delete(check);
          if (running) resolve();
          else reject(new Error(`worker exited before it was running:\n${buffer.slice(-4000)}`));
        };
        listeners.add(check);
        check();
      });
    },
    async kill() {
      signalGroup('SIGKILL');
      await exited;
    },
    async stop(timeoutMs) {
      signalGroup('SIGTERM');
      const timer = setTimeout(() => signalGroup('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
      // Whatever it left behind in its group (a Chromium still closing).
      signalGroup('SIGKILL');
    },
  };
}
