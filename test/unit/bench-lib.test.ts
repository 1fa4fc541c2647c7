import { describe, expect, it } from 'vitest';
import { combineLoops, percentile, reportRatio, timedLoop } from '../../bench/lib';

describe('bench helpers', () => {
  it('takes nearest-rank percentiles', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(sorted, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('stops a loop at its count bound, across concurrent lanes', async () => {
    let calls = 0;
    const result = await timedLoop({ maxCount: 25, maxMs: 60_000, concurrency: 4 }, async () => {
      calls += 1;
    });
    expect(calls).toBe(25);
    expect(result.count).toBe(25);
    expect(result.latenciesMs).toEqual([...result.latenciesMs].sort((a, b) => a - b));
  });

  it('stops a loop at its time bound', async () => {
    let calls = 0;
    const result = await timedLoop({ maxCount: Number.MAX_SAFE_INTEGER, maxMs: 50 }, async () => {
      calls += 1;
      await new Promise((r) => setTimeout(r, 5));
    });
    expect(result.count).toBe(calls);
    expect(calls).toBeLessThan(Number.MAX_SAFE_INTEGER);
  });

  it('combines rounds into one rate: all their calls over all their time', () => {
    const round = (latenciesMs: number[], elapsedMs: number) => ({
      count: latenciesMs.length,
      elapsedMs,
      latenciesMs,
      perSecond: latenciesMs.length / (elapsedMs / 1000),
      p50: Number.NaN,
      p99: Number.NaN,
    });
    const combined = combineLoops([round([30, 10], 1_000), round([20, 40, 50, 60], 2_000)]);
    expect(combined.count).toBe(6);
    expect(combined.elapsedMs).toBe(3_000);
    expect(combined.perSecond).toBe(2);
    expect(combined.latenciesMs).toEqual([10, 20, 30, 40, 50, 60]);
    expect(combined.p50).toBe(30);
  });

  it('prints the ratio as a `name value unit` line', () => {
    const lines: string[] = [];
    reportRatio({ report: (name, value, unit) => lines.push(`${name} ${value} ${unit}`) }, 'api_rps', 250, 1000);
    expect(lines).toEqual(['api_rps_vs_baseline 0.25 x']);
  });
});
