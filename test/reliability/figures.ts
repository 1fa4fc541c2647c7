import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../scripts/lib/tools';

/** What the reliability suite reports at its end; every part adds to the totals. */
export interface ReliabilityFigures {
  workflowsStarted: number;
  workflowsCompleted: number;
  workerKillsSurvived: number;
  duplicateEffects: number;
  fuzzCases: number;
  fuzz5xx: number;
  authzCellsChecked: number;
  authzCellsFailed: number;
}

export const FIGURES_DIR = join(PROJECT_ROOT, '.data', 'reliability');

const ZERO: ReliabilityFigures = {
  workflowsStarted: 0,
  workflowsCompleted: 0,
  workerKillsSurvived: 0,
  duplicateEffects: 0,
  fuzzCases: 0,
  fuzz5xx: 0,
  authzCellsChecked: 0,
  authzCellsFailed: 0,
};

/** Records one part's figures (`part` names the file, e.g. `chaos`); a later call for the same part adds to it. */
export function recordFigures(part: string, figures: Partial<ReliabilityFigures>): void {
  mkdirSync(FIGURES_DIR, { recursive: true });
  const file = join(FIGURES_DIR, `${part}.json`);
  let current: ReliabilityFigures = { ...ZERO };
  try {
    current = { ...ZERO, ...(JSON.parse(readFileSync(file, 'utf8')) as Partial<ReliabilityFigures>) };
  } catch {
    // First record of this part.
  }
  for (const [key, value] of Object.entries(figures) as [keyof ReliabilityFigures, number][]) current[key] += value;
  writeFileSync(file, JSON.stringify(current, null, 2));
}

/** The totals over every part recorded since the directory was last cleared. */
export function readFigures(dir = FIGURES_DIR): ReliabilityFigures {
  const total: ReliabilityFigures = { ...ZERO };
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return total;
  }
  for (const f of files) {
    const part = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Partial<ReliabilityFigures>;
    for (const key of Object.keys(total) as (keyof ReliabilityFigures)[]) total[key] += part[key] ?? 0;
  }
  return total;
}

/** The suite's closing lines. */
export function formatFigures(f: ReliabilityFigures): string[] {
  return [
    `workflows completed / started: ${f.workflowsCompleted} / ${f.workflowsStarted}`,
    `worker kills survived: ${f.workerKillsSurvived}`,
    `duplicate effects found: ${f.duplicateEffects}`,
    `fuzz cases run: ${f.fuzzCases}, 5xx found: ${f.fuzz5xx}`,
    `authorization cells checked: ${f.authzCellsChecked}, failed: ${f.authzCellsFailed}`,
  ];
}
