import type { BenchContext } from './types';

/** The p-th percentile (0–100) of ascending `sorted`, nearest-rank. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export interface LoopLimits {
  /** Stop after this many calls in total. */
  maxCount: number;
  /** Stop starting new calls after this long. */
  maxMs: number;
  /** Calls in flight at once. */
  concurrency?: number;
}

export interface LoopResult {
  count: number;
  elapsedMs: number;
  /** Per-call latencies in ms, ascending. */
  latenciesMs: number[];
  perSecond: number;
  p50: number;
  p99: number;
}

/** Runs `call` until the count or the time bound is reached, `concurrency` at a time. */
export async function timedLoop(limits: LoopLimits, call: () => Promise<void>): Promise<LoopResult> {
  const latencies: number[] = [];
  const started = performance.now();
  const deadline = started + limits.maxMs;
  let issued = 0;
  const lane = async () => {
    while (issued < limits.maxCount && performance.now() < deadline) {
      issued += 1;
      const t0 = performance.now();
      await call();
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: limits.concurrency ?? 1 }, lane));
  return loopResult(latencies, performance.now() - started);
}

function loopResult(latencies: number[], elapsedMs: number): LoopResult {
  latencies.sort((a, b) => a - b);
  return {
    count: latencies.length,
    elapsedMs,
    latenciesMs: latencies,
    perSecond: latencies.length / (elapsedMs / 1000),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

/** Loops of one subject measured in rounds (interleaved with other subjects), as one result. */
export function combineLoops(results: LoopResult[]): LoopResult {
  return loopResult(
    results.flatMap((r) => r.latenciesMs),
    results.reduce((sum, r) => sum + r.elapsedMs, 0),
  );
}

const round = (value: number, digits = 3) => Number(value.toFixed(digits));

/** Reports throughput and latency percentiles of one loop as `<name>_rps`, `<name>_p50`, `<name>_p99`. */
export function reportLoop(ctx: BenchContext, name: string, result: LoopResult): void {
  ctx.report(`${name}_rps`, round(result.perSecond, 1), 'req/s');
  ctx.report(`${name}_p50`, round(result.p50), 'ms');
  ctx.report(`${name}_p99`, round(result.p99), 'ms');
}

/** `<name>_vs_baseline <subject/baseline> x`: below 1 means slower than the baseline for a rate. */
export function reportRatio(ctx: BenchContext, name: string, subject: number, baseline: number): void {
  ctx.report(`${name}_vs_baseline`, round(subject / baseline), 'x');
}
