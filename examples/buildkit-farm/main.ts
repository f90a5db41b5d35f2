// A cdk8s app in another repository: a BuildKit build farm from typed props and the alert rules
// that watch it, written as dist/ci-farm.k8s.yaml plus the files beside it (haproxy.cfg, gate.cfg,
// grafana-alert-rules.yaml, prometheus-rules.yaml, runbooks.md).
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { AlertRules, BuildkitFarm, filesOf } from 'cluster-manifests';
import { farmProps } from './farm';

const app = new App({ outdir: 'dist' });
const chart = new Chart(app, 'ci-farm', {
  disableResourceNameHashes: true,
  labels: { 'app.kubernetes.io/part-of': 'ci', 'app.kubernetes.io/component': 'buildkit', 'app.kubernetes.io/managed-by': 'cdk8s' },
});

const farm = new BuildkitFarm(chart, 'farm', farmProps());

new AlertRules(chart, 'alerts', {
  cluster: 'ci-farm',
  namespace: 'monitoring',
  // the farm's own numbers (slots, max replicas, NodePools) come from the farm; the policy from here
  alerts: farm.alerts({
    rateWindow: '5m',
    thresholds: {
      BuildkitQueueBacklog: { above: 20, for: '15m' },
      BuildkitAtMaxReplicas: { for: '30m' },
      BuildkitSlotsExhausted: { for: '5m' },
      BuildkitLoadBalancerDown: { for: '2m' },
      KedaScalerErrors: { window: '5m', for: '10m' },
      KedaScaledObjectErrors: { window: '5m', for: '10m' },
      KarpenterNodeLaunchFailing: { window: '5m', for: '10m' },
    },
    jobs: { keda: { job: 'keda-operator' }, kubeStateMetrics: { job: 'kube-state-metrics' }, karpenter: { job: 'karpenter' } },
  }),
  // the guards that fire when an exporter those alerts read is missing
  guardThresholds: { KubeStateMetricsDown: { for: '5m' }, KedaMetricsDown: { for: '5m' }, KarpenterMetricsDown: { for: '10m' } },
  ruleSelectorLabels: { release: 'kube-prometheus-stack' },
  routing: { team: 'build-farm', runbookBaseUrl: 'https://github.com/example-org/ci-farm/blob/main/dist' },
  grafana: { folder: 'CI farm', evaluationInterval: '1m', datasources: { prometheus: 'prometheus' } },
  rateWindow: '5m',
});

// Checks every construct's props against its schema, then writes the manifests.
app.synth();
for (const [file, text] of filesOf(chart)) fs.writeFileSync(path.join(app.outdir, file), text);
for (const pool of farm.pools) console.log(`${pool.arch}: ${pool.slots} HAProxy slots, at most ${pool.maxNodes} nodes`);
