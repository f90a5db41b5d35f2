// zod field types shared by the config sections. Kept apart from quantity.ts so that the code that
// runs at synth time never loads zod when the parsed config comes from the cache (load.ts).
import { z } from 'zod';
import { CPU, imageTag, MEMORY } from './quantity';

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

/** A container image pinned to a version tag or a digest: `latest` or no tag would change under us. */
export const pinnedImage = z
  .string()
  .regex(/^\S+$/, 'must be an image reference such as haproxy:3.1-alpine')
  .refine((i) => /@sha256:[0-9a-f]{64}$/.test(i) || !['', 'latest', undefined].includes(imageTag(i)),
    'must be pinned to a version tag or a digest (not :latest, not untagged)');
