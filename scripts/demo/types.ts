/** One stage of `npm run demo`: prints ✓ <name> when `run` resolves; the first failure stops the demo. */
export interface DemoStage {
  name: string;
  run(ctx: DemoContext): Promise<void>;
}

export interface DemoContext {
  /** The running stack's API, e.g. http://localhost:3000. */
  baseUrl: string;
  /** Calls the API; JSON in and out; throws on a network error only. */
  request(
    method: string,
    path: string,
    options?: { token?: string; body?: unknown },
  ): Promise<{ status: number; body: any }>;
  /** Values stages hand to later stages (tokens, ids). */
  state: Record<string, any>;
  /** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
  waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs?: number): Promise<T>;
  /** Prints an indented line under the stage (set by runStages), e.g. a Temporal UI link. */
  note?(line: string): void;
}
