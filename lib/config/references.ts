// Cross-references inside one cluster file that the shape alone cannot check: every name used
// must be defined. Component-specific rules live with their component.
import type { Problem } from '../core/errors';
import type { ClusterConfig, ComputeConfig } from './schema';

type Add = (path: string, value: unknown, rule: string) => void;
const names = (o: object | undefined): string[] => Object.keys(o ?? {});

export function checkReferences(c: ClusterConfig, file?: string): Problem[] {
  const problems: Problem[] = [];
  const add: Add = (path, value, rule) => problems.push({ cluster: c.name, file, path, value, rule });
  uniqueNamespaces(c, add);
  if (c.compute) {
    computeNames(c.compute, add);
    workloadUsers(c, c.compute, add);
  }
  sectionsNeeded(c, add);
  namespacesUsed(c, add);
  return problems;
}

function uniqueNamespaces(c: ClusterConfig, add: Add): void {
  const seen = new Set<string>();
  c.namespaces.forEach((ns, i) => {
    if (seen.has(ns.name)) add(`namespaces[${i}].name`, ns.name, 'namespace names must be unique');
    seen.add(ns.name);
  });
}

/** Pools name node types, profiles and platform workloads name pools, workloads name profiles and each other. */
function computeNames(compute: ComputeConfig, add: Add): void {
  for (const [p, pool] of Object.entries(compute.pools)) {
    if (!Object.hasOwn(compute.nodeTypes, pool.nodeType))
      add(`compute.pools.${p}.nodeType`, pool.nodeType, `unknown node type (known: ${names(compute.nodeTypes).join(', ')})`);
    if (pool.min > pool.max) add(`compute.pools.${p}.min`, pool.min, `must be <= max (${pool.max})`);
  }
  for (const [t, type] of Object.entries(compute.nodeTypes)) {
    if ((type.eurPerHour === undefined) === (type.eurPerMonth === undefined))
      add(`compute.nodeTypes.${t}`, type, 'needs exactly one of eurPerHour or eurPerMonth');
  }
  const pools = names(compute.pools);
  compute.platformWorkloads.forEach((w, i) => {
    if (!pools.includes(w.pool)) add(`compute.platformWorkloads[${i}].pool`, w.pool, `unknown pool (known: ${pools.join(', ')})`);
  });
  for (const [p, profile] of Object.entries(compute.profiles)) {
    if (!pools.includes(profile.pool)) add(`compute.profiles.${p}.pool`, profile.pool, `unknown pool (known: ${pools.join(', ')})`);
  }
  const profiles = names(compute.profiles);
  const workloads = names(compute.workloads);
  for (const [w, workload] of Object.entries(compute.workloads)) {
    if (!profiles.includes(workload.profile))
      add(`compute.workloads.${w}.profile`, workload.profile, `unknown profile (known: ${profiles.join(', ')})`);
    workload.exclusiveWith.forEach((x, i) => {
      if (!workloads.includes(x)) add(`compute.workloads.${w}.exclusiveWith[${i}]`, x, `unknown workload (known: ${workloads.join(', ')})`);
    });
  }
}

/** The capacity scenarios and Airflow's factor workloads name workloads of the compute section. */
function workloadUsers(c: ClusterConfig, compute: ComputeConfig, add: Add): void {
  const workloads = names(compute.workloads);
  c.capacity?.scenarios.forEach((s, i) =>
    s.workloads.forEach((w, j) => {
      if (!workloads.includes(w)) add(`capacity.scenarios[${i}].workloads[${j}]`, w, `unknown workload (known: ${workloads.join(', ')})`);
    }),
  );
  if (c.airflow) {
    for (const kind of ['normal', 'heavy'] as const) {
      const w = c.airflow.factorWorkloads[kind];
      if (!workloads.includes(w)) add(`airflow.factorWorkloads.${kind}`, w, `unknown workload (known: ${workloads.join(', ')})`);
    }
  }
}

function sectionsNeeded(c: ClusterConfig, add: Add): void {
  // the BuildKit farm's nodes come from Karpenter's EC2NodeClass: an AWS-only component
  if (c.buildkit && c.provider !== 'aws') add('provider', c.provider, 'a buildkit section needs provider aws (Karpenter EC2NodeClass, EKS)');
  for (const section of ['airflow', 'capacity'] as const) {
    if (c[section] && !c.compute) add(section, '(present)', 'needs a compute section (node types, pools, profiles, workloads)');
  }
}

function namespacesUsed(c: ClusterConfig, add: Add): void {
  const namespaces = c.namespaces.map((n) => n.name);
  const used: [string, string | undefined][] = [
    ['monitoring.namespace', c.monitoring.namespace],
    ['airflow.namespace', c.airflow?.namespace],
    ['buildkit.namespaces.farm', c.buildkit?.namespaces.farm],
    ['buildkit.namespaces.runners', c.buildkit?.namespaces.runners],
    // in-cluster egress targets get NetworkPolicies in their namespace (DNS lives in kube-system)
    ...(['mlflow', 'redis', 'statsd'] as const).map((e): [string, string | undefined] => [`airflow.egress.${e}.namespace`, c.airflow?.egress[e]?.namespace]),
  ];
  for (const [path, ns] of used) {
    if (ns !== undefined && !namespaces.includes(ns))
      add(path, ns, `must be one of the cluster's namespaces (${namespaces.join(', ')})`);
  }
}
