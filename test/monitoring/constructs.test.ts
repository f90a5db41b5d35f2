// The monitoring constructs built from props, as a library user builds them: a BuildKit farm's
// alert set (buildkitFarmAlerts) handed to AlertRules, which adds the guards the alerts' needs
// name and renders the Grafana and Prometheus files; the scrape objects and the dashboards. No
// cluster file is involved: every input is a literal here.
import { parse } from 'yaml';
import { buildkitFarmAlerts, BuildkitFarmAlertInputs, validateBuildkitFarmAlerts } from '../../lib/buildkit';
import { airflowAlerts, AirflowAlertInputs } from '../../lib/airflow';
import { computeAlerts, ComputeAlertInputs } from '../../lib/compute';
import { ConfigError } from '../../lib/core/errors';
import { targetsDown } from '../../lib/core/alerts';
import {
  AlertRules, AlertRulesProps, Dashboards, DashboardsProps, DependencyProbes, GRAFANA_FILE, PROMETHEUS_FILE, RUNBOOKS_FILE, StatsdServiceMonitor,
} from '../../lib/monitoring';
import { validateObject } from '../../lib/pipeline/validate';
import { synthConstructs } from '../support/constructs';

const KSM = { job: 'kube-state-metrics' };
const KEDA = { job: 'keda-operator-metrics' };
const KARPENTER = { job: 'karpenter' };

const farm = (over: Partial<BuildkitFarmAlertInputs> = {}): BuildkitFarmAlertInputs => ({
  fleet: [
    { arch: 'amd64', name: 'buildkitd-amd64', slots: 12, min: 1, max: 8, nodePool: 'buildkit-amd64', maxNodes: 4 },
    { arch: 'arm64', name: 'buildkitd-arm64', slots: 6, min: 0, max: 4, nodePool: 'buildkit-arm64', maxNodes: 2, replicas: 2 },
  ],
  farmNamespace: 'buildkit',
  autoscaling: { enabled: false, fallbackFailureThreshold: 3 },
  haproxy: { replicas: 2, clientConnectTimeoutSeconds: 30 },
  rateWindow: '5m',
  thresholds: {
    KedaScalerErrors: { window: '5m', for: '10m' },
    KedaScaledObjectErrors: { window: '5m', for: '10m' },
    KedaFallbackActive: { window: '5m', for: '10m' },
    BuildkitQueueBacklog: { above: 2, for: '10m' },
    BuildkitAtMaxReplicas: { for: '15m' },
    BuildkitSlotsExhausted: { for: '5m' },
    BuildkitLoadBalancerDown: { for: '2m' },
    KarpenterNodeLaunchFailing: { window: '10m', for: '15m' },
  },
  jobs: { keda: KEDA, kubeStateMetrics: KSM, karpenter: KARPENTER },
  ...over,
});

const rulesProps = (over: Partial<AlertRulesProps> = {}): AlertRulesProps => ({
  cluster: 'demo',
  namespace: 'monitoring',
  alerts: buildkitFarmAlerts(farm()),
  guardThresholds: { KubeStateMetricsDown: { for: '5m' }, KedaMetricsDown: { for: '5m' }, KarpenterMetricsDown: { for: '5m' } },
  routing: { team: 'ci', runbookBaseUrl: 'https://git.example.com/dist' },
  grafana: { folder: 'Alerts', evaluationInterval: '1m', datasources: { prometheus: 'prom' } },
  rateWindow: '5m',
  ruleSelectorLabels: { release: 'kube-prometheus-stack' },
  ...over,
});

const alertRules = (over: Partial<AlertRulesProps> = {}) => synthConstructs('monitoring', (chart) => new AlertRules(chart, 'rules', rulesProps(over)));
const promRules = (files: Map<string, string>): any[] => parse(files.get(PROMETHEUS_FILE)!).groups.flatMap((g: any) => g.rules);
const refusal = (build: () => unknown): string => {
  try {
    build();
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  return '';
};

describe('AlertRules from a farm\'s alert set', () => {
  const out = alertRules();

  it('renders the farm\'s alerts, then exactly the guards their needs name', () => {
    const groups = parse(out.files.get(PROMETHEUS_FILE)!).groups.map((g: any) => [g.name, g.rules.map((r: any) => r.alert)]);
    expect(groups).toEqual([
      ['buildkit', ['KedaScalerErrors', 'KedaScaledObjectErrors', 'BuildkitQueueBacklog', 'BuildkitAtMaxReplicas', 'BuildkitSlotsExhausted', 'BuildkitLoadBalancerDown', 'KarpenterNodeLaunchFailing']],
      ['guards', ['KubeStateMetricsDown', 'KedaMetricsDown', 'KarpenterMetricsDown']],
    ]);
  });

  it('a guard watches the scrape job the need names, with its own threshold', () => {
    const guard = promRules(out.files).find((r) => r.alert === 'KedaMetricsDown');
    expect(guard.expr).toBe(`(\n  ${targetsDown(KEDA).split('\n').join('\n  ')}\n) > 0`);
    expect(guard.for).toBe('5m');
  });

  it('KedaFallbackActive comes with an autoscaled farm whose archs have fixed replicas, and takes their ScaledObjects', () => {
    const scaled = buildkitFarmAlerts(farm({ autoscaling: { enabled: true, fallbackFailureThreshold: 3 } }));
    const fallback = scaled.find((a) => a.name === 'KedaFallbackActive')!;
    expect(fallback.signal).toMatchObject({ expr: expect.stringContaining('scaledObject=~"buildkitd-arm64"') });
    expect(scaled.find((a) => a.name === 'KedaScalerErrors')!.signal).toMatchObject({ expr: expect.stringContaining('scaledObject!~"buildkitd-arm64"') });
    expect(buildkitFarmAlerts(farm()).map((a) => a.name)).not.toContain('KedaFallbackActive');
  });

  it('an error-counting alert must hold longer than its window (one transient error never fires)', () => {
    expect(validateBuildkitFarmAlerts(farm())).toEqual([]);
    const thresholds = { ...farm().thresholds, KarpenterNodeLaunchFailing: { window: '15m', for: '15m' } };
    expect(validateBuildkitFarmAlerts({ thresholds })).toEqual([{
      path: 'thresholds.KarpenterNodeLaunchFailing.for', value: '15m',
      rule: 'must be longer than window (15m): a single error stays in the window that long, and only errors that persist may fire',
      fix: 'for: 16m or more, or a shorter window',
    }]);
  });

  it('slots and backends come from the fleet given', () => {
    const slots = promRules(out.files).find((r) => r.alert === 'BuildkitSlotsExhausted').expr;
    expect(slots).toContain('label_replace(vector(12), "proxy", "buildkitd-amd64", "", "")');
    expect(slots).toContain('label_replace(vector(6), "proxy", "buildkitd-arm64", "", "")');
  });

  it('the ConfigMap carries the Grafana file and the PrometheusRule the rules file\'s groups', () => {
    const [configMap] = out.ofKind('ConfigMap');
    expect(configMap.data[GRAFANA_FILE]).toBe(out.files.get(GRAFANA_FILE));
    const [rule] = out.ofKind('PrometheusRule');
    expect(rule.metadata.labels).toMatchObject({ release: 'kube-prometheus-stack' });
    expect(rule.spec.groups.flatMap((g: any) => g.rules)).toEqual(promRules(out.files));
  });

  it('every object passes its upstream schema (Kubernetes, the prometheus-operator CRD)', () => {
    for (const o of out.objects) expect({ kind: o.kind, errors: validateObject(o) }).toEqual({ kind: o.kind, errors: [] });
  });

  it('runbook_url points to the alert\'s section of runbooks.md', () => {
    const runbooks = out.files.get(RUNBOOKS_FILE)!;
    for (const r of promRules(out.files)) {
      expect(r.annotations.runbook_url).toBe(`https://git.example.com/dist/demo/monitoring/runbooks.md#${r.alert.toLowerCase()}`);
      expect(runbooks).toContain(`\n## ${r.alert}\n`);
    }
  });

  it('notifier grafana: Grafana evaluates and notifies, Prometheus rules keep the label', () => {
    const grafana = alertRules({ routing: { team: 'ci', runbookBaseUrl: 'https://git.example.com/dist', notifier: 'grafana' } });
    const rules = parse(grafana.files.get(GRAFANA_FILE)!).groups.flatMap((g: any) => g.rules);
    expect(rules.map((r: any) => r.isPaused)).toEqual(rules.map(() => false));
    expect(promRules(grafana.files).map((r) => r.labels.notifier)).toEqual(promRules(grafana.files).map(() => 'grafana'));
    expect(promRules(out.files)[0].labels).toEqual({ severity: 'warning', team: 'ci', cluster: 'demo', notifier: 'prometheus' });
  });

  it('escapeForHelm turns every template brace into a Helm action printing it', () => {
    const escaped = alertRules({ escapeForHelm: true }).files.get(PROMETHEUS_FILE)!;
    expect(escaped).toContain('{{`{{`}} $labels.proxy {{`}}`}}');
    expect(escaped.replace(/\{\{`(\{\{|\}\})`\}\}/g, '')).not.toMatch(/\{\{|\}\}/);
  });

  it('locks the rendered files', () => {
    for (const file of [GRAFANA_FILE, PROMETHEUS_FILE, RUNBOOKS_FILE]) expect(out.files.get(file)).toMatchSnapshot(file);
  });
});

describe('AlertRules refuses what it cannot render', () => {
  it('a guard the alerts need without its threshold', () => {
    expect(refusal(() => alertRules({ guardThresholds: { KubeStateMetricsDown: { for: '5m' }, KarpenterMetricsDown: { for: '5m' } } })))
      .toContain('guardThresholds.KedaMetricsDown = missing: required by the alert KedaMetricsDown these alerts need');
  });

  it('a routing override of an alert it does not have', () => {
    const message = refusal(() => alertRules({ routing: { team: 'ci', runbookBaseUrl: 'https://x.example', teams: { NodeCpuHigh: 'infra' } } }));
    expect(message).toContain('routing.teams.NodeCpuHigh = "infra": NodeCpuHigh is not an alert this cluster gets');
    expect(message).toContain('fix: one of KedaScalerErrors, ');
  });

  it('two rules whose uids are the same once cut to 40 characters', () => {
    const cluster = 'a'.repeat(30);
    expect(refusal(() => alertRules({ cluster })))
      .toContain(`the Grafana rules KedaScalerErrors and KedaScaledObjectErrors get the same uid ${cluster}-kedascale`);
    expect(refusal(() => alertRules({ cluster: 'a'.repeat(20) }))).toBe('');
  });
});

describe('the compute and Airflow alert sets from props', () => {
  const compute: ComputeAlertInputs = {
    pool: { name: 'workers', max: 6, scaleUpMinutes: 4 },
    poolLabel: 'k8s.scaleway.com/pool-name',
    workloadNamespace: 'airflow',
    rateWindow: '5m',
    thresholds: {
      PodCpuNearLimit: { above: 0.9, for: '15m' }, PodMemoryNearLimit: { above: 0.9, for: '5m' }, NodeCpuHigh: { above: 0.9, for: '15m' },
      NodeMemoryHigh: { above: 0.9, for: '15m' }, PodsPendingTooLong: { for: '15m' }, PodOOMKilled: { window: '10m' }, PodCrashLooping: { for: '15m' },
      ComputeScaleUpSlow: { scaleUpFactor: 2 }, ComputeNodesIdle: { for: '30m' },
    },
    jobs: { kubeStateMetrics: KSM, cadvisor: { job: 'kubelet', metrics_path: '/metrics/cadvisor' }, nodeExporter: { job: 'node-exporter' } },
  };

  it('compute: ComputeBudgetBurn only with a budget; the pool label guard watches the label on the pool\'s nodes', () => {
    const alerts = computeAlerts(compute);
    expect(alerts.map((a) => a.name)).not.toContain('ComputeBudgetBurn');
    const idle = alerts.find((a) => a.name === 'ComputeNodesIdle')!;
    expect(idle.needs.map((n) => n.guard)).toEqual(['KubeStateMetricsDown', 'PoolLabelNotExported']);
    expect(idle.needs[1].watch).toEqual({ kind: 'series', series: 'kube_node_labels{job="kube-state-metrics", label_k8s_scaleway_com_pool_name=~".+"}', whileUp: KSM });
    expect(alerts.find((a) => a.name === 'ComputeScaleUpSlow')!.for).toBe('8m');
    const budget = { eurPerNodeHour: 0.5, variableEur: 900, fixedEur: 100, budgetEurPerMonth: 1000, planDir: 'plans', months: [] };
    const withBudget = computeAlerts({ ...compute, budget, thresholds: { ...compute.thresholds, ComputeBudgetBurn: { window: '6h', for: '1h' } } });
    expect(withBudget.find((a) => a.name === 'ComputeBudgetBurn')).toMatchObject({ threshold: 900, description: expect.stringContaining('(plans/plan.md)') });
  });

  it('airflow: one RunDurationHigh rule per source, its late limit from the workload\'s duration', () => {
    const inputs: AirflowAlertInputs = {
      retry: { retries: 1, retryDelaySeconds: 60 },
      statsdJob: { job: 'airflow-statsd' },
      blackbox: { prober: 'blackbox:9115', module: 'tcp_connect', jobName: 'dependencies' },
      postgresDatasource: 'airflow-db',
      runDurationDags: { train: { workload: 'training', durationHours: 2 } },
      runDurationSources: { trials: { sql: 'SELECT 1', aboveSeconds: 600 } },
      thresholds: { TaskRetried: { window: '10m' }, DependencyDown: { for: '5m' }, RunDurationHigh: { factor: 1.5 } },
    };
    const runs = airflowAlerts(inputs).filter((a) => a.name === 'RunDurationHigh');
    expect(runs.map((a) => a.key)).toEqual([undefined, 'trials']);
    expect(runs[0].signal).toMatchObject({ kind: 'sql', sql: expect.stringContaining("('train', 10800)") });
    const out = synthConstructs('monitoring', (chart) => new AlertRules(chart, 'rules', rulesProps({
      alerts: airflowAlerts(inputs), guardThresholds: { AirflowStatsdDown: { for: '5m' }, AirflowMetricsMissing: { for: '15m' }, DependencyProbesDown: { for: '5m' } },
    })));
    expect(promRules(out.files).map((r) => r.alert)).toEqual(['TaskRetried', 'DependencyDown', 'AirflowStatsdDown', 'DependencyProbesDown', 'AirflowMetricsMissing']);
  });
});

describe('scrape objects and dashboards', () => {
  it('DependencyProbes: one Probe per target; StatsdServiceMonitor scrapes the chart\'s Service', () => {
    const out = synthConstructs('monitoring', (chart) => {
      new DependencyProbes(chart, 'probes', {
        namespace: 'monitoring', blackbox: { prober: 'blackbox:9115', module: 'tcp_connect', jobName: 'dependencies' },
        targets: [{ dependency: 'redis', target: 'redis.data.svc:6379' }, { dependency: 's3', target: 's3.example.com:443' }],
      });
      new StatsdServiceMonitor(chart, 'statsd', { namespace: 'monitoring', service: 'airflow-statsd', airflowNamespace: 'airflow', serviceLabels: { component: 'statsd' } });
    });
    expect(out.ofKind('Probe').map((p) => [p.metadata.name, p.spec.targets.staticConfig])).toEqual([
      ['dependency-redis', { static: ['redis.data.svc:6379'], labels: { dependency: 'redis' } }],
      ['dependency-s3', { static: ['s3.example.com:443'], labels: { dependency: 's3' } }],
    ]);
    expect(out.ofKind('ServiceMonitor')[0].spec).toEqual({ namespaceSelector: { matchNames: ['airflow'] }, selector: { matchLabels: { component: 'statsd' } }, endpoints: [{ port: 'statsd-scrape' }] });
    for (const o of out.objects) expect({ kind: o.kind, errors: validateObject(o) }).toEqual({ kind: o.kind, errors: [] });
  });

  /** The farm's rules and, drawn on them, its dashboard. */
  const dashboards = (over: Partial<DashboardsProps> = {}) => synthConstructs('monitoring', (chart) => {
    const f = farm();
    const rules = new AlertRules(chart, 'rules', rulesProps());
    new Dashboards(chart, 'dashboards', {
      cluster: 'demo', namespace: 'monitoring', folder: 'Farm', prometheusDatasource: 'prom', refresh: '1m', alerts: rules.alerts,
      farm: { fleet: f.fleet.map((a) => ({ ...a, instanceType: 'c7i.4xlarge', podsPerNode: 3 })), farmNamespace: 'buildkit', haproxy: f.haproxy, jobs: { karpenter: KARPENTER, kubeStateMetrics: KSM } },
      ...over,
    });
  });

  it('Dashboards: the farm\'s dashboard as a file and a sidecar ConfigMap in the folder given', () => {
    const out = dashboards();
    const configMap = out.ofKind('ConfigMap').find((m) => m.metadata.name === 'dashboard-demo-buildkit-farm');
    expect(configMap.metadata).toMatchObject({ labels: { grafana_dashboard: '1' }, annotations: { grafana_folder: 'Farm' } });
    expect(configMap.data['demo-buildkit-farm.json']).toBe(out.files.get('dashboards/demo-buildkit-farm.json'));
    const titles = JSON.parse(out.files.get('dashboards/demo-buildkit-farm.json')!).panels.map((p: any) => p.title);
    expect(titles).toEqual(expect.arrayContaining(['amd64: slots in use', 'arm64: slots in use', 'Free HAProxy slots', 'Node-hours this month']));
    expect(titles).not.toContain('Spend this month'); // no farm plan given
  });

  it('locks the farm dashboard', () => {
    expect(dashboards().files.get('dashboards/demo-buildkit-farm.json')).toMatchSnapshot();
  });

  it('Dashboards refuses a uid longer than Grafana takes', () => {
    expect(refusal(() => dashboards({ cluster: 'c'.repeat(30) }))).toContain('is longer than the 40 characters Grafana accepts');
  });
});
