// Which Helm values the official chart really consumes in this setup. With
// config.kubernetes_executor.pod_template_file pointing at the generated templates, the chart's own
// worker pod template (the reference copy in ../shared/reference/airflow-chart/) never builds a
// worker, so a value only that template reads would look effective and be ignored. This reads the
// template, lists what it reads, and proves no emitted value is one of those alone.
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { dagsFolder, TEMPLATES_DIR } from '../../lib/airflow/names';
import { VALUE_CONSUMERS } from '../../lib/airflow/values';
import { shared } from '../support/env';
import { airflowFiles, config } from './support';

const c = config();
const files = airflowFiles();
const values = parse(files.get('values-prod.yaml')!);
const profiles = Object.keys(c.compute!.profiles);
const template = (p: string) => parse(files.get(`pod-templates/${p}.yaml`)!);

/** Every leaf path of the values (lists are leaves: Helm replaces them whole). */
function leaves(x: any, prefix = ''): string[] {
  if (x === null || typeof x !== 'object' || Array.isArray(x)) return [prefix];
  return Object.entries(x).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k));
}

const chartDir = shared('reference', 'airflow-chart');
(chartDir ? describe : describe.skip)('values the chart consumes', () => {
  const source = chartDir ? fs.readFileSync(path.join(chartDir!, 'pod-template-file.kubernetes-helm-yaml'), 'utf8') : '';
  /** `.Values.x.y` paths the worker pod template reads (a whole node passed to a helper counts too). */
  const templateReads = [...new Set([...source.matchAll(/\.Values\.([A-Za-z0-9_.]+)/g)].map((m) => m[1]))];
  const under = (p: string, r: string) => p === r || p.startsWith(`${r}.`) || r.startsWith(`${p}.`);

  /** Emitted paths only the (unused) worker pod template would read. */
  const ignored = (v: any): string[] =>
    leaves(v).filter((p) => templateReads.some((r) => under(p, r)) && !VALUE_CONSUMERS[p.split('.')[0]]);

  it('reads the template: it is what consumes workers.* (the check has something to find)', () => {
    expect(templateReads).toEqual(expect.arrayContaining(['workers.resources', 'workers.nodeSelector', 'workers.env', 'workers.tolerations']));
  });

  it('the executor builds workers from the generated templates, not from the chart\'s', () => {
    for (const section of ['kubernetes_executor', 'kubernetes']) {
      const file = values.config[section].pod_template_file;
      expect(path.dirname(file)).toBe(TEMPLATES_DIR);
      expect(profiles.map((p) => `${p}.yaml`)).toContain(path.basename(file));
    }
  });

  it('emits no value only the chart\'s worker pod template reads (no workers.* at all)', () => {
    expect(ignored(values)).toEqual([]);
    expect(leaves(values).filter((p) => p.startsWith('workers.'))).toEqual([]);
  });

  it('would catch one (workers.resources, workers.env)', () => {
    const bad = { ...values, workers: { resources: { limits: { memory: '8Gi' } }, env: [{ name: 'GRPC_POLL_STRATEGY', value: 'poll' }] } };
    expect(ignored(bad)).toEqual(['workers.resources.limits.memory', 'workers.env']);
  });

  it('names a reader for every key it sets, none of them the worker pod template', () => {
    for (const key of Object.keys(values)) {
      expect(VALUE_CONSUMERS[key]?.length).toBeGreaterThan(0);
      for (const reader of VALUE_CONSUMERS[key]) expect(reader).not.toMatch(/pod-template-file/);
    }
  });

  it('keys the template also reads are consumed elsewhere, and agree with the generated templates', () => {
    const shared = Object.keys(values).filter((k) => templateReads.some((r) => r.split('.')[0] === k));
    expect(shared.sort()).toEqual(['dags', 'images', 'nodeSelector']);
    // nodeSelector: the chart's pods (platform pool); the workers' own comes from their template
    for (const p of profiles) expect(template(p).spec.nodeSelector).not.toEqual(values.nodeSelector);
  });

  it('git-sync: the templates\' init container is the chart\'s for the same dags.gitSync values', () => {
    const g = values.dags.gitSync;
    expect(source).toMatch(/if and \.Values\.dags\.gitSync\.enabled \(not \.Values\.dags\.persistence\.enabled\)[\s\S]*git_sync_container" \(dict "Values" \.Values "is_init" "true"/);
    for (const p of profiles) {
      const pod = template(p);
      const [init] = pod.spec.initContainers;
      const env = Object.fromEntries(init.env.filter((e: any) => 'value' in e).map((e: any) => [e.name, e.value]));
      expect(init.name).toBe('git-sync-init'); // containerName + "-init"
      expect(init.image).toBe(`${values.images.gitSync.repository}:${values.images.gitSync.tag}`);
      expect(env).toMatchObject({
        GIT_SYNC_REPO: g.repo, GITSYNC_REPO: g.repo, GIT_SYNC_BRANCH: g.branch, GIT_SYNC_REV: g.rev, GITSYNC_REF: g.ref,
        GIT_SYNC_DEPTH: String(g.depth), GITSYNC_DEPTH: String(g.depth), GIT_SYNC_ROOT: '/git', GITSYNC_ROOT: '/git',
        GIT_SYNC_DEST: 'repo', GITSYNC_LINK: 'repo', GIT_SYNC_ONE_TIME: 'true', GITSYNC_ONE_TIME: 'true',
        GIT_SYNC_MAX_SYNC_FAILURES: String(g.maxFailures), GITSYNC_MAX_FAILURES: String(g.maxFailures),
      });
      const secrets = init.env.filter((e: any) => e.valueFrom).map((e: any) => e.valueFrom.secretKeyRef.name);
      expect(new Set(secrets)).toEqual(new Set([g.credentialsSecret]));
      expect(init.securityContext.runAsUser).toBe(g.uid);
      // the chart's airflow_dags_mount (dags.mountPath unset) and airflow_dags ([core] dags_folder)
      const base = pod.spec.containers[0];
      const dags = base.volumeMounts.find((m: any) => m.name === init.volumeMounts[0].name);
      expect(dags).toEqual({ name: 'dags', mountPath: `${values.airflowHome}/dags`, readOnly: true });
      expect(dagsFolder(c.airflow!)).toBe(`${values.airflowHome}/dags/repo/${g.subPath}`);
    }
  });
});
