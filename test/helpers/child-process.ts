import { spawn, type ChildProcess } from 'node:child_process';
import { PROJECT_ROOT } from '../../scripts/lib/tools';

export interface RunningScript {
  process: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves once `text` has appeared in the output; rejects if the process exits first. */
  waitForOutput(text: string, timeoutMs: number): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs a TypeScript script the way `npm run` would (`node --import tsx`), capturing its output. */
export function runScript(entry: string, env: NodeJS.ProcessEnv, args: string[] = []): RunningScript {
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
    cwd: PROJECT_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let buffer = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    buffer += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  return {
    process: child,
    output: () => buffer,
    exited,
    waitForOutput(text, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (buffer.includes(text)) {
            done();
            resolve();
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no "${text}" within ${timeoutMs} ms:\n${buffer.slice(-4000)}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        void exited.then(({ code, signal }) => {
          if (!buffer.includes(text)) {
            done();
            reject(new Error(`exited (${code ?? signal}) before "${text}":\n${buffer.slice(-4000)}`));
          }
        });
        listeners.add(check);
        check();
      });
    },
  };
}
