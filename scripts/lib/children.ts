import { spawn, type ChildProcess } from 'node:child_process';
import { PROJECT_ROOT } from './tools';

export interface ManagedChild {
  name: string;
  process: ChildProcess;
  /** Resolves with the exit code (128 + n for a signal) once the process has ended. */
  exited: Promise<number>;
}

const SIGNAL_NUMBERS: Record<string, number> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/**
 * Runs a TypeScript entry point (`node --import tsx <file>`) with the given environment.
 * Its own process group: a terminal's Ctrl-C reaches only the dev stack, which then
 * stops the children in order (API and worker before the Temporal server they drain to).
 */
export function startTsChild(name: string, entry: string, env: NodeJS.ProcessEnv): ManagedChild {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: PROJECT_ROOT,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
    detached: true,
  });
  // Detached children outlive a crashed parent unless told to go.
  const orphanGuard = () => child.kill('SIGTERM');
  process.once('exit', orphanGuard);
  const exited = new Promise<number>((resolve) => {
    child.once('exit', () => process.removeListener('exit', orphanGuard));
    child.once('exit', (code, signal) => resolve(code ?? 128 + (SIGNAL_NUMBERS[signal ?? ''] ?? 1)));
    child.once('error', () => resolve(127));
  });
  return { name, process: child, exited };
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
export async function stopManagedChild(child: ManagedChild, graceMs = 15_000): Promise<number> {
  const { process: proc } = child;
  if (proc.exitCode === null && proc.signalCode === null) {
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
    const code = await child.exited;
    clearTimeout(timer);
    return code;
  }
  return child.exited;
}
