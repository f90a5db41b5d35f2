// NetworkPolicies for the compute (worker) pods (SPEC 2.5). Worker pods are selected by
// WORKER_LABEL only, so the scheduler, webserver and triggerer sharing the namespace keep their
// access to the Kubernetes API and the database. Plain NetworkPolicy matches pods and CIDRs, never
// host names: external endpoints are CIDRs in the config.
import { k8s } from 'cdk8s-plus-28';
import type { AirflowConfig } from '../config/sections/airflow';
import { ComponentChart, meta } from '../platform/chart';
import { AirflowCluster, WORKER_LABEL } from './model';

type Endpoints = AirflowConfig['egress'];
type InCluster = Endpoints['mlflow'];
type External = Endpoints['postgres'];

const APP = 'airflow-worker-network';
const nsSelector = (name: string) => ({ matchLabels: { 'kubernetes.io/metadata.name': name } });
const workers = { matchLabels: { [WORKER_LABEL.key]: WORKER_LABEL.value } };
const notWorkers = { matchExpressions: [{ key: WORKER_LABEL.key, operator: 'DoesNotExist' }] };
const onPort = (port: number, protocol = 'TCP') => [{ protocol, port: k8s.IntOrString.fromNumber(port) }];

/** In-cluster endpoints workers may reach (statsd: task metrics such as ti.finish, over UDP). */
const IN_CLUSTER = ['mlflow', 'redis', 'statsd'] as const;
/** Endpoints that also get a policy on their side admitting workers on the endpoint port only
 *  (none for statsd: nothing isolates the chart's statsd pods, the workers' egress rule suffices). */
const PLATFORM_SIDE = ['mlflow', 'redis'] as const;
const EXTERNAL = ['postgres', 's3', 'exchangeApi'] as const;

function inClusterPeer(e: InCluster) {
  return { namespaceSelector: nsSelector(e.namespace), ...(e.podLabels ? { podSelector: { matchLabels: e.podLabels } } : {}) };
}

/** One egress rule per endpoint, so a reviewer reads the allow-list straight from the manifest. */
function egressRules(e: Endpoints): k8s.NetworkPolicyEgressRule[] {
  const dns = {
    to: [{ namespaceSelector: nsSelector(e.dns.namespace), podSelector: { matchLabels: e.dns.podLabels } }],
    ports: ['UDP', 'TCP'].map((protocol) => ({ protocol, port: k8s.IntOrString.fromNumber(e.dns.port) })),
  };
  const inCluster = IN_CLUSTER.map((k) => ({ to: [inClusterPeer(e[k])], ports: onPort(e[k].port, e[k].protocol) }));
  const external = EXTERNAL.map((k) => {
    const x: External = e[k];
    return { to: x.cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: onPort(x.port) };
  });
  return [dns, ...inCluster, ...external];
}

export function addNetworkPolicies(chart: ComponentChart, c: AirflowCluster): void {
  const a = c.airflow;
  new k8s.KubeNetworkPolicy(chart, 'worker-default-deny', {
    metadata: meta(APP, 'airflow-worker-default-deny', a.namespace),
    spec: { podSelector: workers, policyTypes: ['Ingress', 'Egress'] },
  });
  new k8s.KubeNetworkPolicy(chart, 'worker-allow', {
    metadata: meta(APP, 'airflow-worker-allow', a.namespace),
    spec: {
      podSelector: workers,
      policyTypes: ['Ingress', 'Egress'],
      // the webserver reads a running task's log from the worker's log server
      ingress: [{ from: [{ podSelector: notWorkers }], ports: onPort(a.workerLogServerPort) }],
      egress: egressRules(a.egress),
    },
  });
  // Platform side: the endpoint pods accept worker pods on the endpoint port only, and every other
  // pod of the cluster as before (selecting them isolates them for ingress).
  for (const k of PLATFORM_SIDE) {
    const e = a.egress[k];
    new k8s.KubeNetworkPolicy(chart, `${k}-from-workers`, {
      metadata: meta(APP, `airflow-workers-to-${k}`, e.namespace),
      spec: {
        podSelector: e.podLabels ? { matchLabels: e.podLabels } : {},
        policyTypes: ['Ingress'],
        ingress: [
          { from: [{ namespaceSelector: {}, podSelector: notWorkers }] },
          { from: [{ namespaceSelector: nsSelector(a.namespace), podSelector: workers }], ports: onPort(e.port, e.protocol) },
        ],
      },
    });
  }
}
