// Kubernetes quantities as written in cluster files ("950m", "1.8Gi"), parsed for arithmetic, and
// the other value formats the config uses. Manifests keep the string the user wrote; the planner and
// the rules use the numbers. No zod here: components import this at synth time (see fields.ts).

export const CPU = /^(\d+(\.\d+)?)(m?)$/;
export const MEMORY = /^(\d+(\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/;
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

/** The tag of an image reference ("haproxy:3.1-alpine" -> "3.1-alpine"); a registry port is not a tag. */
export function imageTag(image: string): string | undefined {
  const name = image.split('@')[0];
  const colon = name.lastIndexOf(':');
  return colon > name.lastIndexOf('/') ? name.slice(colon + 1) : undefined;
}

/** A Go duration as Karpenter takes it: "5m", "3h", "720h", "1h30m". */
export const GO_DURATION = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;
