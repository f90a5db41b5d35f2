// Field types shared by the config sections: Kubernetes quantities as written in cluster files ("950m", "1.8Gi"), parsed once for arithmetic.
// Manifests keep the string the user wrote; the planner and the rules use the numbers.
import { z } from 'zod';

const CPU = /^(\d+(\.\d+)?)(m?)$/;
const MEMORY = /^(\d+(\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/;
const MEMORY_UNITS: Record<string, number> = {
  '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40,
};
export const GiB = 2 ** 30;

/** CPU cores of a quantity such as "950m", "2" or "15.8". */
export function cpuCores(q: string): number {
  const m = CPU.exec(q);
  if (!m) throw new Error(`not a CPU quantity: ${q}`);
  return m[3] === 'm' ? Number(m[1]) / 1000 : Number(m[1]);
}

/** Bytes of a quantity such as "512Mi" or "1.8Gi". */
export function memoryBytes(q: string): number {
  const m = MEMORY.exec(q);
  if (!m) throw new Error(`not a memory quantity: ${q}`);
  return Number(m[1]) * MEMORY_UNITS[m[3] ?? ''];
}

export const memoryGiB = (q: string): number => memoryBytes(q) / GiB;

/** Formats cores as the API's canonical quantity: whole cores as "4", others in millicores. */
export function formatCpu(cores: number): string {
  const milli = Math.round(cores * 1000);
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

/** Formats bytes as Gi when whole, else Mi (rounded down: never promise more than exists). */
export function formatMemory(bytes: number): string {
  if (bytes % GiB === 0) return `${bytes / GiB}Gi`;
  return `${Math.floor(bytes / 2 ** 20)}Mi`;
}

export const cpuQuantity = z
  // YAML reads `cpu: 4` as a number: say what to write instead of "expected string"
  .string({ error: 'must be a quoted CPU quantity such as "2", "15.8" or "950m"' })
  .regex(CPU, 'must be a CPU quantity such as "2", "15.8" or "950m"')
  .describe('CPU quantity (cores or millicores), e.g. "2" or "950m"');
export const memoryQuantity = z
  .string({ error: 'must be a quoted memory quantity such as "512Mi" or "2Gi"' })
  .regex(MEMORY, 'must be a memory quantity such as "512Mi" or "2Gi"')
  .describe('Memory quantity, e.g. "512Mi" or "2Gi"');

export const resources = z.strictObject({ cpu: cpuQuantity, memory: memoryQuantity });
export type Resources = z.infer<typeof resources>;

/** A Kubernetes object name segment: namespaces, cluster names, pools, profiles, workloads. */
export const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS-1123 label (lower case, digits, "-")')
  .max(63);

/** The tag of an image reference ("haproxy:3.1-alpine" -> "3.1-alpine"); a registry port is not a tag. */
export function imageTag(image: string): string | undefined {
  const name = image.split('@')[0];
  const colon = name.lastIndexOf(':');
  return colon > name.lastIndexOf('/') ? name.slice(colon + 1) : undefined;
}

/** A container image pinned to a version tag or a digest: `latest` or no tag would change under us. */
export const pinnedImage = z
  .string()
  .regex(/^\S+$/, 'must be an image reference such as haproxy:3.1-alpine')
  .refine((i) => /@sha256:[0-9a-f]{64}$/.test(i) || !['', 'latest', undefined].includes(imageTag(i)),
    'must be pinned to a version tag or a digest (not :latest, not untagged)');
