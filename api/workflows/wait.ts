import type { WorkflowHandle } from '@temporalio/client';

/** How long a command's request waits for its workflow before answering 202 (convention 11). */
export const COMMAND_WAIT_MS = 10_000;

/** The workflow's result if it ends within `ms`; otherwise `done: false` (it keeps running). */
export async function waitBriefly<T>(
  handle: WorkflowHandle,
  ms = COMMAND_WAIT_MS,
): Promise<{ done: true; result: T } | { done: false }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ done: false }>((resolve) => {
    timer = setTimeout(() => resolve({ done: false }), ms);
  });
  try {
    return await Promise.race([
      handle.result().then((result) => ({ done: true as const, result: result as T })),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
