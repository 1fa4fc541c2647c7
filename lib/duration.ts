import { z } from 'zod';

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 } as const;

/** Parses `30s`, `15m`, `12h`, `14d`, `2w`, `7y` into milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+)\s*([smhdwy])$/.exec(text.trim());
  if (!match) throw new Error(`not a duration: "${text}" (use e.g. 30s, 15m, 14d, 7y)`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

export const durationSchema = z.string().transform((text, ctx) => {
  try {
    return parseDuration(text);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

/** A rate: `N/duration`, e.g. `5/15m` (at most 5 in any 15 minutes). */
export interface Rate {
  points: number;
  durationMs: number;
}

export const rateSchema = z.string().transform((text, ctx): Rate => {
  const match = /^(\d+)\s*\/\s*(\S+)$/.exec(text.trim());
  try {
    if (!match || Number(match[1]) < 1) throw new Error(`not a rate: "${text}" (use e.g. 10/1h, 5/15m)`);
    return { points: Number(match[1]), durationMs: parseDuration(match[2]!) };
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});
