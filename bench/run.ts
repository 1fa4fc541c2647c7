import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Bench } from './types';

/** `npm run bench -- <name>`: runs bench/<name>.ts and prints its `name value unit` lines. */
const name = process.argv[2];
if (!name || !/^[a-z0-9][a-z0-9-]*$/.test(name) || ['lib', 'run', 'types'].includes(name)) {
  process.stderr.write('usage: npm run bench -- <name>   (a file bench/<name>.ts)\n');
  process.exit(2);
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
