// The cluster file format: one strict schema, TypeScript types inferred from it, a JSON Schema
// exported from it for editors (schema/cluster.schema.json). A component is enabled by its section.
import { z } from 'zod';
import { airflowSection } from '../airflow/props';
import { argocdSection } from './sections/argocd';
import { buildkitSettingsSchema as buildkitSection } from '../buildkit/props';
import { capacitySection } from '../capacity/props';
import { computeSection } from '../compute/props';
import { farmPlanSection } from '../capacity/farm/props';
import { monitoringSection } from '../monitoring/props';
import { dnsLabel } from '../core/fields';

export const namespaceSpec = z.strictObject({
  name: dnsLabel,
  podSecurity: z.enum(['restricted', 'baseline', 'privileged']).describe('Pod Security Standard enforced (and warned, audited) on the namespace.'),
  component: dnsLabel.default('platform').describe('Component that owns the namespace; its manifests go to dist/<cluster>/<component>/.'),
  description: z.string().optional(),
});

export const clusterSchema = z.strictObject({
  name: dnsLabel.describe('Cluster name; must equal the file name without .yaml'),
  description: z.string(),
  provider: z.enum(['scaleway', 'aws']).describe('Cloud of the cluster; components that need one (buildkit: aws) check it.'),
  partOf: dnsLabel.describe('Value of app.kubernetes.io/part-of on every object.'),
  podSecurityVersion: z.string().regex(/^(latest|v\d+\.\d+)$/).default('v1.28').describe('Pod Security Standards version pinned on namespaces, e.g. v1.28.'),
  namespaces: z.array(namespaceSpec).min(1),
  compute: computeSection.optional(),
  airflow: airflowSection.optional(),
  capacity: capacitySection.optional(),
  buildkit: buildkitSection.optional(),
  farmPlan: farmPlanSection.optional().describe('The build farm\'s capacity plan (dist/<cluster>/capacity/farm.*): bursts and a day profile replayed through the generated autoscaling.'),
  monitoring: monitoringSection,
  argocd: argocdSection.optional().describe('Optional: write an Argo CD Application for this cluster (dist/<cluster>/argocd/application.yaml).'),
});

export type ClusterConfig = z.infer<typeof clusterSchema>;
export type NamespaceSpec = z.infer<typeof namespaceSpec>;
export type ComputeConfig = NonNullable<ClusterConfig['compute']>;

/** A validated cluster with the file it came from. */
export interface Cluster {
  config: ClusterConfig;
  file: string;
  /** The preset file it extends (`extends: <name>`), if any. */
  preset?: string;
}

/** JSON Schema of the cluster file (input form: defaults are optional). */
export function clusterJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(clusterSchema, { io: 'input', unrepresentable: 'any' }),
    title: 'Cluster configuration',
    description: 'One file per cluster in clusters/; see README "Adding a cluster".',
  };
}

function withoutRequired(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutRequired);
  if (!schema || typeof schema !== 'object') return schema;
  return Object.fromEntries(Object.entries(schema).filter(([k]) => k !== 'required').map(([k, v]) => [k, withoutRequired(v)]));
}

/**
 * JSON Schema of a file that is only part of a cluster: every field optional (the loader checks
 * the merged result against the full schema). A cluster that extends a preset may say `extends`;
 * a preset itself may not (one level keeps every value easy to find).
 */
export function partialClusterJsonSchema(kind: 'extending' | 'preset'): Record<string, unknown> {
  const full = withoutRequired(clusterJsonSchema()) as { properties: Record<string, unknown> };
  const extendsField = { type: 'string', description: 'Preset in clusters/presets/ whose values this cluster starts from; its own values win.' };
  return kind === 'preset'
    ? { ...full, title: 'Cluster preset (clusters/presets/): values clusters share through `extends`' }
    : { ...full, title: 'Cluster configuration that extends a preset', properties: { extends: extendsField, ...full.properties } };
}
