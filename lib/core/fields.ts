// zod field types shared by the config sections. Kept apart from quantity.ts so that the code that
// runs at synth time never loads zod when the parsed config comes from the cache (load.ts).
import { z } from 'zod';
import { CPU, imageTag, MEMORY, memoryBytes } from './quantity';

export const cpuQuantity = z
  // YAML reads `cpu: 4` as a number: say what to write instead of "expected string"
  .string({ error: 'must be a quoted CPU quantity such as "2", "15.8" or "950m"' })
  .regex(CPU, 'must be a CPU quantity such as "2", "15.8" or "950m"')
  .describe('CPU quantity (cores or millicores), e.g. "2" or "950m"');
export const memoryQuantity = z
  .string({ error: 'must be a quoted memory quantity such as "512Mi" or "2Gi"' })
  .regex(MEMORY, 'must be a memory quantity such as "512Mi" or "2Gi"')
  .describe('Memory quantity, e.g. "512Mi" or "2Gi"');

/**
 * A memory quantity that must be at least `min` bytes: "0.5" is half a byte, and "64" 64 bytes,
 * both valid Kubernetes quantities and both certainly a forgotten unit. The message says which
 * unit was probably meant.
 */
function memoryAtLeast(min: number, minText: string, what: string) {
  return memoryQuantity.superRefine((q, ctx) => {
    if (!MEMORY.test(q) || memoryBytes(q) >= min) return;
    const number = MEMORY.exec(q)![1];
    ctx.addIssue({
      code: 'custom',
      message: `${what} of ${memoryBytes(q)} bytes is not plausible (at least ${minText}): write the unit, e.g. "${number}Gi"${
        Number(number) >= 1024 ? ` or "${number}Mi"` : ''}`,
    });
  });
}

/** Memory of a container or pod (requests, limits, peaks, per-node overheads): at least 1Mi. */
export const podMemory = memoryAtLeast(2 ** 20, '1Mi', 'a pod\'s memory');
/** Memory of a node (capacity, allocatable) or a disk: at least 1Gi. */
export const nodeMemory = memoryAtLeast(2 ** 30, '1Gi', 'a node\'s memory');

/** A CPU amount a pod can be given: "0" or "0m" schedules nothing and limits to nothing. */
export const podCpu = cpuQuantity.refine((q) => !CPU.test(q) || !/^0+(\.0+)?m?$/.test(q), 'must be more than 0 (at least "1m")');

export const resources = z.strictObject({ cpu: podCpu, memory: podMemory });
export type Resources = z.infer<typeof resources>;

/** A Kubernetes object name segment: namespaces, cluster names, pools, profiles, workloads. */
export const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS-1123 label (lower case, digits, "-")')
  .max(63);

/** A container image pinned to a version tag or a digest: `latest` or no tag would change under us. */
export const pinnedImage = z
  .string()
  .regex(/^\S+$/, 'must be an image reference such as haproxy:3.1-alpine')
  .refine((i) => /@sha256:[0-9a-f]{64}$/.test(i) || !['', 'latest', undefined].includes(imageTag(i)),
    'must be pinned to a version tag or a digest (not :latest, not untagged)');
