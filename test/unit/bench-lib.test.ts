import { describe, expect, it } from 'vitest';
import { percentile, reportRatio, timedLoop } from '../../bench/lib';

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

  it('prints the ratio as a `name value unit` line', () => {
    const lines: string[] = [];
    reportRatio({ report: (name, value, unit) => lines.push(`${name} ${value} ${unit}`) }, 'api_rps', 250, 1000);
    expect(lines).toEqual(['api_rps_vs_baseline 0.25 x']);
  });
});
