import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatFigures, readFigures } from './figures';

describe('reliability figures', () => {
  it('adds every part and prints the closing lines', () => {
    const dir = mkdtempSync(join(tmpdir(), 'figures-'));
    writeFileSync(join(dir, 'chaos.json'), JSON.stringify({ workflowsStarted: 3, workflowsCompleted: 3 }));
    writeFileSync(
      join(dir, 'fuzz.json'),
      JSON.stringify({ fuzzCases: 10, workflowsStarted: 1, workflowsCompleted: 1 }),
    );
    const totals = readFigures(dir);
    expect(totals).toMatchObject({ workflowsStarted: 4, workflowsCompleted: 4, fuzzCases: 10, fuzz5xx: 0 });
    expect(formatFigures(totals)[0]).toBe('workflows completed / started: 4 / 4');
  });
});
