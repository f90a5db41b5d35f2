// Resources in integer units (millicores, bytes), so sums and "fits" comparisons are exact: the
// arithmetic every compute question (pools, pod groups, packing) is done in.
import { cpuCores, memoryBytes } from '../core/quantity';
import type { Resources } from '../core/fields';

/** CPU in millicores and memory in bytes. */
export interface Shape {
  cpu: number;
  memory: number;
}

/** A CPU quantity ("950m", "2") in millicores. */
export const milli = (q: string): number => Math.round(cpuCores(q) * 1000);
/** A memory quantity ("2Gi") in bytes. */
export const bytes = (q: string): number => Math.round(memoryBytes(q));
export const shape = (r: Resources): Shape => ({ cpu: milli(r.cpu), memory: bytes(r.memory) });
/** `base` plus `n` times `extra`. */
export const add = (base: Shape, extra: Shape, n = 1): Shape => ({ cpu: base.cpu + n * extra.cpu, memory: base.memory + n * extra.memory });
export const fits = (used: Shape, room: Shape): boolean => used.cpu <= room.cpu && used.memory <= room.memory;
export const ZERO: Shape = { cpu: 0, memory: 0 };
/** A share `f` of a shape, rounded down (headroom never rounds up). */
export const scale = (s: Shape, f: number): Shape => ({ cpu: Math.floor(s.cpu * f), memory: Math.floor(s.memory * f) });
