import { z } from 'zod';

/** DP = Data Professional, FSD = Full Stack Developer. */
export const TRACK_CODES = ['DP', 'FSD'] as const;
export const trackCodeSchema = z.enum(TRACK_CODES);
export type TrackCode = z.infer<typeof trackCodeSchema>;

/** Client input: case-insensitive (`dp` is DP), short before it is upper-cased. */
export const trackCodeInput = z
  .string()
  .max(10)
  .transform((code) => code.toUpperCase())
  .pipe(trackCodeSchema);
