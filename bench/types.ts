/**
 * A benchmark: `npm run bench -- <name>` runs bench/<name>.ts's default export. It
 * measures the subject and a baseline in the same run and reports both and the ratio,
 * each as a `name value unit` line.
 */
export interface BenchContext {
  report(name: string, value: number, unit: string): void;
}

export type Bench = (ctx: BenchContext) => Promise<void>;
