/** The README's benchmark table: rendered from `npm run bench -- all`, kept between two markers. */

export const BENCH_START = '<!-- bench:start -->';
export const BENCH_END = '<!-- bench:end -->';

export interface BenchRun {
  bench: string;
  /** `name value unit` lines as the bench printed them. */
  figures: Array<{ metric: string; value: string; unit: string }>;
  seconds: number;
  /** Set when the bench exited non-zero. */
  error?: string;
}

/** The `name value unit` lines of a bench's output (other lines are ignored). */
export function parseFigures(stdout: string): BenchRun['figures'] {
  const figures: BenchRun['figures'] = [];
  for (const line of stdout.split('\n')) {
    const match = /^([A-Za-z0-9_.:-]+) (-?[0-9][0-9.e+-]*|NaN|Infinity) (\S.*)$/.exec(line.trim());
    if (match) figures.push({ metric: match[1]!, value: match[2]!, unit: match[3]! });
  }
  return figures;
}

// A pipe in a cell would split it.
const cell = (text: string) => text.replace(/\|/g, '\\|');

/** A Markdown table laid out as Prettier lays it out (left-aligned, padded to the widest cell). */
export function markdownTable(header: string[], rows: string[][]): string {
  const all = [header, ...rows].map((row) => row.map(cell));
  const widths = header.map((_, i) => Math.max(3, ...all.map((row) => [...(row[i] ?? '')].length)));
  const line = (row: string[]) => `| ${row.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  const [head, ...body] = all;
  return [line(head!), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

/** The section between the markers: when, with which settings, then one row per figure. */
export function renderBenchSection(runs: BenchRun[], meta: { date: string; settings: string[] }): string {
  const rows = runs.flatMap((run) =>
    run.error
      ? [[run.bench, `(failed: ${run.error})`, '', '']]
      : run.figures.map((f) => [run.bench, `\`${f.metric}\``, f.value, f.unit]),
  );
  const settings = meta.settings.length ? meta.settings.map((s) => `\`${s}\``).join(', ') : 'the defaults';
  const took = runs.map((r) => `${r.bench} ${Math.round(r.seconds)} s`).join(', ');
  return [
    BENCH_START,
    '',
    `Latest figures of \`npm run bench -- all\`, ${meta.date}, with ${settings} (${took}). Each bench`,
    'measures a baseline in the same run; `*_vs_baseline` is the ratio to it.',
    '',
    markdownTable(['bench', 'figure', 'value', 'unit'], rows),
    '',
    BENCH_END,
  ].join('\n');
}

/** `readme` with the section between the markers replaced; both markers must be there, in order. */
export function replaceBenchSection(readme: string, section: string): string {
  const start = readme.indexOf(BENCH_START);
  const end = readme.indexOf(BENCH_END);
  if (start < 0 || end < start) throw new Error(`README.md needs ${BENCH_START} … ${BENCH_END}`);
  return readme.slice(0, start) + section + readme.slice(end + BENCH_END.length);
}
