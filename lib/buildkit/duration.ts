// Go-style durations as Karpenter writes them ("5m", "3h", "1h30m"), in the grammar the schema checks.
import { GO_DURATION } from '../core/quantity';

export function durationSeconds(d: string): number {
  const m = GO_DURATION.exec(d);
  if (!m || d === '') throw new Error(`not a duration: ${d}`);
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}
