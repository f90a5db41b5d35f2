// Turns built charts into files: one YAML file per Kubernetes object, grouped per component, plus
// the components' own files. Objects are validated here, so nothing invalid reaches disk.
import { App } from 'cdk8s';
import { buildCluster, checkCluster, warnCluster } from '../config/components/index';
import { ConfigError, Problem } from '../core/errors';
import { fileOf } from '../config/load';
import type { Cluster } from '../config/schema';
import { ComponentChart, FileArtifact, ObjectFile } from '../core/chart';
import { APPLICATION, application, kustomizations } from './gitops';
import { K8sObject, validateObject } from './validate';
import { clusterFile, generatedHeader, toYaml } from '../core/yaml';

export { generatedHeader, toYaml };

/** Relative path under dist/ -> file content. Sorted keys make every consumer deterministic. */
export type FileSet = Map<string, string>;


/** File name of an object: <kind>-<name>.yaml, with the namespace when the name alone is ambiguous. */
function objectFile(obj: K8sObject, ambiguous: boolean): string {
  const ns = ambiguous && obj.metadata.namespace ? `${obj.metadata.namespace}-` : '';
  return `${obj.kind.toLowerCase()}-${ns}${obj.metadata.name}.yaml`;
}

/** The chart's files; the paths of its Kubernetes objects are added to `objectFiles`. */
function renderChart(chart: ComponentChart, problems: Problem[], objectFiles: string[]): [string, string][] {
  const cluster = chart.cluster;
  // objects in files (pod templates) are never applied: validated like the objects, a broken one refused as a rule is
  const held = chart.node.findAll().filter((n): n is ObjectFile => n instanceof ObjectFile);
  const heldProblems = held.flatMap((f) => validateObject(f.object as K8sObject, { cache: true })
    .map((rule) => ({ cluster, path: `${chart.component}: ${f.what}`, value: `${f.object.apiVersion} ${f.object.kind}`, rule })));
  if (heldProblems.length > 0) throw new ConfigError(heldProblems);
  const objects = chart.toJson() as K8sObject[];
  const files: [string, string][] = [];
  const counts = new Map<string, number>();
  for (const o of objects) counts.set(`${o.kind}/${o.metadata.name}`, (counts.get(`${o.kind}/${o.metadata.name}`) ?? 0) + 1);
  for (const obj of objects) {
    const where = `${obj.kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata.name}`;
    for (const error of validateObject(obj, { cache: true })) {
      problems.push({ cluster, path: `${chart.component}: ${where}`, value: obj.apiVersion, rule: error });
    }
    const ambiguous = (counts.get(`${obj.kind}/${obj.metadata.name}`) ?? 0) > 1;
    const file = `${cluster}/${chart.component}/${objectFile(obj, ambiguous)}`;
    objectFiles.push(file);
    files.push([file, generatedHeader(clusterFile(cluster)) + toYaml(obj)]);
  }
  for (const node of chart.node.findAll()) {
    if (node instanceof FileArtifact) files.push([`${cluster}/${chart.component}/${node.path}`, node.content]);
  }
  return files;
}

/**
 * Checks every rule of every cluster, builds and validates everything, and returns the files.
 * Throws one ConfigError with every problem found; nothing is written here.
 */
export function render(clusters: Cluster[]): FileSet {
  return renderWithWarnings(clusters).files;
}

export function renderWithWarnings(clusters: Cluster[], progress?: (line: string) => void): { files: FileSet; warnings: string[] } {
  progress?.(`checking the rules of ${clusters.length} cluster(s)`);
  const problems: Problem[] = clusters.flatMap(({ config, file, preset }) =>
    checkCluster(config).map((p) => ({ ...p, file: p.file ?? fileOf(file, preset, p.path) })),
  );
  if (problems.length > 0) throw new ConfigError(problems);

  const files: [string, string][] = [];
  const objectFiles: string[] = [];
  for (const [i, { config, file, preset }] of clusters.entries()) {
    progress?.(`building and validating ${config.name} (${i + 1}/${clusters.length})`);
    const app = new App({ outdir: ".cdk8s.out" });
    const argo = application(config);
    if (argo) {
      for (const error of validateObject(argo, { cache: true })) problems.push({ cluster: config.name, file, path: 'argocd', value: argo.apiVersion, rule: `Application ${argo.metadata.name}: ${error}` });
      files.push([`${config.name}/${APPLICATION}`, generatedHeader(clusterFile(config.name)) + toYaml(argo)]);
    }
    try {
      for (const chart of buildCluster(app, config)) files.push(...renderChart(chart, problems, objectFiles));
    } catch (e) {
      if (e instanceof ConfigError) problems.push(...e.problems.map((p) => ({ ...p, file: p.file ?? fileOf(file, preset, p.path) })));
      else throw e;
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  files.push(...kustomizations(objectFiles));

  const set: FileSet = new Map();
  for (const [p, content] of files.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (set.has(p)) throw new Error(`two outputs want the same file: ${p}`);
    set.set(p, content);
  }
  return { files: set, warnings: clusters.flatMap(({ config }) => warnCluster(config)) };
}
