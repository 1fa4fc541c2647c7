/** A workflow that does nothing: the baseline for benchmarks and a smoke test of the worker. */
export async function ping(value: string): Promise<string> {
  return value;
}
