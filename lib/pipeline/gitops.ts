// Entry points for the tools that apply dist/: a kustomization.yaml per component folder listing
// exactly its Kubernetes object files (the folders also hold haproxy.cfg, rule files, Helm values,
// reports, which `kubectl apply -f <folder>` would choke on), one per cluster listing its
// component folders, and, when the config names a repository, an Argo CD Application per cluster.
import * as fs from 'fs';
import * as path from 'path';
import type { ClusterConfig } from '../config/schema';
import { LABEL, MANAGED_BY } from '../core/chart';
import type { K8sObject } from './validate';
import { clusterFile, generatedHeader, toYaml } from '../core/yaml';

export const KUSTOMIZATION = 'kustomization.yaml';
/** Outside the cluster's kustomization: the Application is applied to Argo CD, not to the cluster. */
export const APPLICATION = 'argocd/application.yaml';

const kustomization = (cluster: string, resources: string[]): string =>
  generatedHeader(clusterFile(cluster)) +
  toYaml({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: [...resources].sort() });

/**
 * `objectFiles` are the paths (below dist/) of the Kubernetes object files, `<cluster>/<component>/<file>`.
 * Returns the kustomization files of every cluster and component that has objects.
 */
export function kustomizations(objectFiles: string[]): [string, string][] {
  const byFolder = new Map<string, string[]>();
  for (const f of objectFiles) {
    const dir = path.posix.dirname(f);
    byFolder.set(dir, [...(byFolder.get(dir) ?? []), path.posix.basename(f)]);
  }
  const byCluster = new Map<string, string[]>();
  const out: [string, string][] = [];
  for (const [dir, files] of byFolder) {
    const [cluster, ...rest] = dir.split('/');
    out.push([`${dir}/${KUSTOMIZATION}`, kustomization(cluster, files)]);
    byCluster.set(cluster, [...(byCluster.get(cluster) ?? []), rest.join('/')]);
  }
  for (const [cluster, folders] of byCluster) out.push([`${cluster}/${KUSTOMIZATION}`, kustomization(cluster, folders)]);
  return out;
}

/** The Argo CD Application syncing dist/<cluster>/ of the configured repository, or undefined without `argocd`. */
export function application(c: ClusterConfig): K8sObject | undefined {
  const a = c.argocd;
  if (!a) return undefined;
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: {
      name: c.name,
      namespace: a.namespace,
      labels: { [LABEL.name]: c.name, [LABEL.component]: 'argocd', [LABEL.partOf]: c.partOf, [LABEL.managedBy]: MANAGED_BY },
    },
    spec: {
      project: a.project,
      source: { repoURL: a.repoURL, targetRevision: a.targetRevision, path: a.path ?? `dist/${c.name}` },
      destination: { server: a.server },
    },
  };
}

/**
 * For `npx cdk8s synth`: one kustomization per cluster of `dist` inside the CLI's output folder
 * `outdir`, pointing at dist/<cluster> (kustomize allows a folder resource outside its root, as
 * overlays point at their base). Absolute file path -> content.
 */
export function cdk8sEntryPoints(outdir: string, dist: string): [string, string][] {
  let clusters: string[] = [];
  try {
    clusters = fs.readdirSync(dist).filter((c) => fs.existsSync(path.join(dist, c, KUSTOMIZATION))).sort();
  } catch {
    // no dist/: nothing to point at
  }
  return clusters.map((c) => [
    path.join(outdir, c, KUSTOMIZATION),
    `# Written by \`npx cdk8s synth\`: the manifests are in ${path.relative(process.cwd(), path.join(dist, c)) || '.'}/ (this only points there).\n` +
      toYaml({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: [path.relative(path.join(outdir, c), path.join(dist, c))] }),
  ]);
}
