import { formatCount } from './progressBar.js';

/** `1234` events over `800` ms -> `1 542 events/s`; a run too short to time says so instead of dividing by 0. */
export const formatRate = (count: number, elapsedMs: number, unit: string): string =>
  elapsedMs <= 0 ? `${unit}/s not measurable` : `${formatCount((count * 1000) / elapsedMs)} ${unit}/s`;

/** `1234` ms -> `1.23 s`. */
export const formatSeconds = (elapsedMs: number): string => `${(elapsedMs / 1000).toFixed(2)} s`;
