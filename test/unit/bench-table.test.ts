import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { PROJECT_ROOT } from '../../scripts/lib/tools';
import { describe, expect, it } from 'vitest';
import {
  BENCH_END,
  BENCH_START,
  markdownTable,
  parseFigures,
  renderBenchSection,
  replaceBenchSection,
  type BenchRun,
} from '../../bench/table';

const runs: BenchRun[] = [
  {
    bench: 'api',
    seconds: 42.4,
    figures: parseFigures('starting…\napi_tracks_rps 812.5 req/s\napi_tracks_p99 9.125 ms\nnoise line\n'),
  },
  { bench: 'pdf', seconds: 3, figures: [], error: 'exit 1' },
  { bench: 'webhook', seconds: 61, figures: parseFigures('webhook_vs_baseline 0.42 x\n') },
];

describe('the README benchmark table', () => {
  it('reads only `name value unit` lines', () => {
    expect(parseFigures('a_b 1.5 ms\nnot a figure\nratio_vs_baseline 0.9 x\nrows -3e-4 rows/s\n')).toEqual([
      { metric: 'a_b', value: '1.5', unit: 'ms' },
      { metric: 'ratio_vs_baseline', value: '0.9', unit: 'x' },
      { metric: 'rows', value: '-3e-4', unit: 'rows/s' },
    ]);
  });

  it('renders a row per figure, a failed bench as one row, the date and the settings', () => {
    const section = renderBenchSection(runs, { date: '2026-11-28', settings: ['BENCH_SAMPLES=10'] });
    expect(section.startsWith(`${BENCH_START}\n`)).toBe(true);
    expect(section.endsWith(`\n${BENCH_END}`)).toBe(true);
    expect(section).toContain('2026-11-28');
    expect(section).toContain('`BENCH_SAMPLES=10`');
    expect(section).toContain('api 42 s, pdf 3 s, webhook 61 s');
    expect(section).toMatch(/^\| api +\| `api_tracks_rps` +\| 812\.5 +\| req\/s +\|$/m);
    expect(section).toMatch(/^\| pdf +\| \(failed: exit 1\) +\| +\| +\|$/m);
    expect(section).toMatch(/^\| webhook +\| `webhook_vs_baseline` +\| 0\.42 +\| x +\|$/m);
  });

  it('is already as Prettier formats it, in a README', async () => {
    const filepath = join(PROJECT_ROOT, 'README.md');
    const options = { ...(await resolveConfig(filepath)), filepath };
    const section = renderBenchSection(runs, { date: '2026-11-28', settings: [] });
    const readme = `# Title\n\nText.\n\n${section}\n\n## Next\n`;
    expect(await format(readme, options)).toBe(readme);
    const table = markdownTable(
      ['a', 'long header'],
      [
        ['x|y', '1'],
        ['wider cell here', ''],
      ],
    );
    expect(await format(`${table}\n`, options)).toBe(`${table}\n`);
  });

  it('replaces only what lies between the markers, and refuses a README without them', () => {
    const readme = `before\n\n${BENCH_START}\nold table\n${BENCH_END}\n\nafter\n`;
    expect(replaceBenchSection(readme, `${BENCH_START}\nnew\n${BENCH_END}`)).toBe(
      `before\n\n${BENCH_START}\nnew\n${BENCH_END}\n\nafter\n`,
    );
    expect(() => replaceBenchSection('no markers', 'x')).toThrow(/bench:start/);
    expect(() => replaceBenchSection(`${BENCH_END}\n${BENCH_START}`, 'x')).toThrow();
  });
});
