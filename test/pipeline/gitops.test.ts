// The GitOps entry points: a kustomization per cluster and component that lists exactly the
// Kubernetes objects the charts build (not the rule files, Helm values, reports beside them),
// checked through the real `kubectl kustomize` when it is installed and, always, by reading the
// lists back; and the optional Argo CD Application, validated by @kubernetes-models/argo-cd.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { parse, parseAllDocuments } from 'yaml';
import { buildCluster } from '../../lib/config/components/index';
import { refusalOf } from '../support/constructs';
import { loadClusters } from '../../lib/config/load';
import { defaultDist, writeTree } from '../../lib/pipeline/dist';
import { APPLICATION, application } from '../../lib/pipeline/gitops';
import { render } from '../../lib/pipeline/render';
import { validateObject } from '../../lib/pipeline/validate';
import { clustersDir, rawCluster, tmpDir } from '../support/clusters';

const clusters = loadClusters();
const files = render(clusters);
const dist = tmpDir('gitops-dist');
writeTree(dist, files);

/** What the charts build, straight from cdk8s: the independent source of "the objects". */
const built = (name: string) => buildCluster(new App(), clusters.find((c) => c.config.name === name)!.config).flatMap((c) => c.toJson());
const id = (o: any) => `${o.apiVersion} ${o.kind} ${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
const sortById = (objs: any[]) => [...objs].sort((a, b) => (id(a) < id(b) ? -1 : 1));
const names = clusters.map((c) => c.config.name);

/** The objects a kustomization tree lists, read by following `resources` (files and folders). */
function listed(dir: string): { objects: any[]; files: string[] } {
  const k = parse(fs.readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8'));
  expect(k).toMatchObject({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization' });
  const out = { objects: [] as any[], files: [] as string[] };
  for (const r of k.resources as string[]) {
    const full = path.join(dir, r);
    if (fs.statSync(full).isDirectory()) {
      const sub = listed(full);
      out.objects.push(...sub.objects);
      out.files.push(...sub.files);
    } else {
      const docs = parseAllDocuments(fs.readFileSync(full, 'utf8'));
      expect(docs).toHaveLength(1); // one object per file
      out.objects.push(docs[0].toJS());
      out.files.push(path.relative(dist, full));
    }
  }
  return out;
}

describe('kustomization.yaml per cluster and component', () => {
  it.each(names)('%s: the kustomization lists exactly the objects the charts build', (name) => {
    const { objects, files: listedFiles } = listed(path.join(dist, name));
    expect(sortById(objects)).toEqual(sortById(built(name)));
    expect(new Set(listedFiles).size).toBe(listedFiles.length);
    // the other files beside them stay, unlisted
    const others = [...files.keys()].filter((f) => f.startsWith(`${name}/`) && !listedFiles.includes(f) && !f.endsWith('/kustomization.yaml'));
    expect(others.length).toBeGreaterThan(0);
    for (const f of others) expect(listedFiles).not.toContain(f);
  });

  it('has one kustomization per component folder that holds objects, and one per cluster', () => {
    for (const name of names) {
      const components = new Set(built(name).length > 0 ? buildCluster(new App(), clusters.find((c) => c.config.name === name)!.config)
        .filter((c) => c.toJson().length > 0).map((c) => c.component) : []);
      const ks = [...files.keys()].filter((f) => f.startsWith(`${name}/`) && f.endsWith('/kustomization.yaml')).sort();
      expect(ks).toEqual([`${name}/kustomization.yaml`, ...[...components].sort().map((c) => `${name}/${c}/kustomization.yaml`)].sort());
    }
  });

  const kubectl = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;
  if (!kubectl) console.warn('skipped: `kubectl kustomize` (kubectl is not installed; the lists were checked by reading them back)');
  // on the committed dist/, as a user runs it (the stale-dist check keeps it equal to a fresh synth)
  (kubectl ? it.each(names) : it.skip.each(names))('`kubectl kustomize dist/%s` builds exactly the charts\' objects', (name) => {
    const run = spawnSync('kubectl', ['kustomize', path.join(defaultDist(), name)], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const objects = parseAllDocuments(run.stdout).map((d) => d.toJS());
    expect(sortById(objects)).toEqual(sortById(built(name)));
    // kustomize's legacy order: namespaces before anything that lives in them
    const kinds = objects.map((o) => o.kind);
    expect(kinds.lastIndexOf('Namespace')).toBeLessThan(kinds.findIndex((k) => k !== 'Namespace'));
  });
});

describe('the Argo CD Application', () => {
  it('is written only when the config names a repository', () => {
    expect([...files.keys()].filter((f) => f.endsWith(APPLICATION))).toEqual([]);
  });

  it('points Argo CD at the cluster\'s folder, and passes the Argo CD model\'s schema', () => {
    const repoURL = 'https://github.com/acme/cluster-manifests.git';
    const dir = clustersDir({ 'arc-staging': { ...rawCluster('arc-staging'), argocd: { repoURL, targetRevision: 'main' } } });
    const out = render(loadClusters(dir));
    const app = parse(out.get(`arc-staging/${APPLICATION}`)!);
    expect(app).toMatchObject({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'arc-staging', namespace: 'argocd' },
      spec: { project: 'default', source: { repoURL, targetRevision: 'main', path: 'dist/arc-staging' }, destination: { server: 'https://kubernetes.default.svc' } },
    });
    expect(validateObject(app)).toEqual([]);
    // not part of what is applied to the cluster itself
    expect(out.get('arc-staging/kustomization.yaml')).not.toContain('argocd');
  });

  it('is checked by the upstream model: a wrong field is refused', () => {
    const app: any = application({ ...clusters[0].config, argocd: { repoURL: 'https://x/y.git', targetRevision: 'HEAD', project: 'default', namespace: 'argocd', server: 'https://kubernetes.default.svc' } });
    expect(validateObject(app)).toEqual([]);
    app.spec.destination.server = 42;
    expect(validateObject(app).join('\n')).toMatch(/schema: .*destination.*server/);
  });

  it('refuses a repository URL Argo CD cannot clone, naming the field', () => {
    const dir = clustersDir({ 'arc-staging': { ...rawCluster('arc-staging'), argocd: { repoURL: 'github.com/acme/x' } } });
    expect(refusalOf(() => loadClusters(dir)).join('\n')).toMatch(/cluster arc-staging: argocd\.repoURL = "github\.com\/acme\/x": must be a Git URL Argo CD can clone/);
  });
});
