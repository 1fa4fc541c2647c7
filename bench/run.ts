import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Bench } from './types';
import { parseFigures, renderBenchSection, replaceBenchSection, type BenchRun } from './table';

/**
 * `npm run bench -- <name>`: runs bench/<name>.ts and prints its `name value unit` lines.
 * `npm run bench -- all`: runs every bench, one process each, in turn, and rewrites the
 * README's benchmark table with their figures.
 */
const NOT_BENCHES = ['lib', 'run', 'types', 'table'];
const name = process.argv[2];
if (!name || !/^[a-z0-9][a-z0-9-]*$/.test(name) || NOT_BENCHES.includes(name)) {
  process.stderr.write('usage: npm run bench -- <name>|all   (a file bench/<name>.ts)\n');
  process.exit(2);
}

/** One bench in a child process (its own pools, servers and exit), its output shown as it comes. */
function runChild(bench: string): Promise<BenchRun> {
  const started = performance.now();
  return new Promise((done) => {
    const child = spawn(process.execPath, [...process.execArgv, import.meta.filename, bench], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      process.stdout.write(chunk);
    });
    child.on('close', (code, signal) => {
      const seconds = (performance.now() - started) / 1000;
      const error = code === 0 ? undefined : signal ? `killed by ${signal}` : `exit ${code}`;
      done({ bench, figures: parseFigures(stdout), seconds, ...(error ? { error } : {}) });
    });
  });
}

if (name === 'all') {
  const benches = readdirSync(import.meta.dirname)
    .filter((f) => f.endsWith('.ts') && !NOT_BENCHES.includes(f.slice(0, -3)))
    .map((f) => f.slice(0, -3))
    .sort();
  const runs: BenchRun[] = [];
  for (const bench of benches) {
    process.stdout.write(`# ${bench}\n`);
    runs.push(await runChild(bench));
  }
  const readmePath = resolve(import.meta.dirname, '..', 'README.md');
  const settings = Object.entries(process.env)
    .filter(([key]) => key.startsWith('BENCH_'))
    .map(([key, value]) => `${key}=${value}`)
    .sort();
  const section = renderBenchSection(runs, { date: new Date().toISOString().slice(0, 10), settings });
  writeFileSync(readmePath, replaceBenchSection(readFileSync(readmePath, 'utf8'), section));
  const failed = runs.filter((r) => r.error);
  process.stdout.write(`README.md benchmark table rewritten (${runs.length - failed.length}/${runs.length} ran)\n`);
  process.exit(failed.length ? 1 : 0);
}

const file = resolve(import.meta.dirname, `${name}.ts`);
if (!existsSync(file)) {
  process.stderr.write(`no benchmark bench/${name}.ts\n`);
  process.exit(2);
}
const { default: bench } = (await import(file)) as { default: Bench };
await bench({
  report(metric, value, unit) {
    process.stdout.write(`${metric} ${value} ${unit}\n`);
  },
});
// Pools and sockets a benchmark forgot must not keep the process alive.
process.exit(0);
