// Network isolation of the compute (worker) pods (SPEC 2.5, issue 10). Worker pods are selected
// by WORKER_LABEL only, so the scheduler, webserver and triggerer sharing the namespace keep their
// access to the Kubernetes API and the database. Two kinds of policy, whose allows Cilium (the CNI
// of Kapsule) adds up for a pod that both select:
//   - plain NetworkPolicy: deny all in and out, then the in-cluster peers (by namespace and pod
//     labels) and the external peers that have no DNS name (by CIDR: the managed PostgreSQL);
//   - CiliumNetworkPolicy: the external peers that have a name (S3, the exchange API, the git
//     host), by toFQDNs, plus the DNS rule through Cilium's DNS proxy that toFQDNs needs to learn
//     which addresses those names resolve to. A provider's whole address range is never opened.
// Nothing may connect to a worker: the webserver reads a running task's log through the Kubernetes
// API (the executor's get_task_log), not from a log server on the pod.
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  CiliumNetworkPolicy, CiliumNetworkPolicySpecEgress, CiliumNetworkPolicySpecEgressToPortsPortsProtocol as Protocol,
} from '../../imports/cilium-networkpolicies-cilium.io';
import { meta } from '../core/chart';
import { EXTERNAL_ENDPOINTS, WORKER_LABEL } from './names';
import { gitSyncOf } from './pod';
import type { AirflowSection, AirflowWorkersProps } from './props';

type Endpoints = AirflowSection['egress'];
type InCluster = Endpoints['mlflow'];

const APP = 'airflow-worker-network';
const nsSelector = (name: string) => ({ matchLabels: { 'kubernetes.io/metadata.name': name } });
const workers = { matchLabels: { [WORKER_LABEL.key]: WORKER_LABEL.value } };
const onPort = (port: number, protocol = 'TCP') => [{ protocol, port: k8s.IntOrString.fromNumber(port) }];

/** In-cluster endpoints workers may reach (statsd: task metrics such as ti.finish, over UDP). */
const IN_CLUSTER = ['mlflow', 'redis', 'statsd'] as const;
/** Endpoints that also get a policy on their side admitting workers on the endpoint port only
 *  (none for statsd: nothing isolates the chart's statsd pods, the workers' egress rule suffices). */
const PLATFORM_SIDE = ['mlflow', 'redis'] as const;

/** A named external peer of the workers: the config's external endpoints with hosts, and the git host. */
export interface NamedPeer {
  id: string;
  hosts: string[];
  port: number;
}

export function namedPeers(section: Pick<AirflowSection, 'egress' | 'dags'>): NamedPeer[] {
  const { egress } = section;
  const peers: NamedPeer[] = EXTERNAL_ENDPOINTS.filter((k) => egress[k].hosts.length > 0)
    .map((k) => ({ id: k, hosts: egress[k].hosts, port: egress[k].port }));
  const git = gitSyncOf(section);
  // git-sync clones over HTTPS in the worker's init container
  if (git) peers.push({ id: 'git', hosts: git.hosts, port: 443 });
  return peers;
}

function inClusterPeer(endpoint: InCluster) {
  return { namespaceSelector: nsSelector(endpoint.namespace), ...(endpoint.podLabels ? { podSelector: { matchLabels: endpoint.podLabels } } : {}) };
}

/** One egress rule per endpoint, so a reviewer reads the allow-list straight from the manifest. */
function egressRules(endpoints: Endpoints): k8s.NetworkPolicyEgressRule[] {
  const inCluster = IN_CLUSTER.map((k) => ({ to: [inClusterPeer(endpoints[k])], ports: onPort(endpoints[k].port, endpoints[k].protocol) }));
  const byAddress = EXTERNAL_ENDPOINTS.filter((k) => endpoints[k].cidrs.length > 0)
    .map((k) => ({ to: endpoints[k].cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: onPort(endpoints[k].port) }));
  return [...inCluster, ...byAddress];
}

/** toFQDNs: a `*.` name is a matchPattern (one label), any other a matchName. */
const fqdnSelector = (host: string) => (host.startsWith('*.') ? { matchPattern: host } : { matchName: host });

function fqdnEgress(section: Pick<AirflowSection, 'egress' | 'dags'>): CiliumNetworkPolicySpecEgress[] {
  const dns = section.egress.dns;
  return [
    {
      // every lookup goes through Cilium's DNS proxy, which learns the addresses toFQDNs then allows
      toEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': dns.namespace, ...dns.podLabels } }],
      toPorts: [{
        ports: [{ port: String(dns.port), protocol: Protocol.UDP }, { port: String(dns.port), protocol: Protocol.TCP }],
        rules: { dns: [{ matchPattern: '*' }] },
      }],
    },
    ...namedPeers(section).map((p) => ({
      toFqdNs: p.hosts.map(fqdnSelector),
      toPorts: [{ ports: [{ port: String(p.port), protocol: Protocol.TCP }] }],
    })),
  ];
}

/** The workers' NetworkPolicies and CiliumNetworkPolicy, and the platform side of MLflow and Redis. */
export class WorkerNetworkPolicies extends Construct {
  constructor(scope: Construct, id: string, props: AirflowWorkersProps) {
    super(scope, id);
    new k8s.KubeNetworkPolicy(this, 'worker-default-deny', {
      metadata: meta(APP, 'airflow-worker-default-deny', props.namespace),
      spec: { podSelector: workers, policyTypes: ['Ingress', 'Egress'] },
    });
    new k8s.KubeNetworkPolicy(this, 'worker-allow', {
      metadata: meta(APP, 'airflow-worker-allow', props.namespace),
      spec: { podSelector: workers, policyTypes: ['Egress'], egress: egressRules(props.egress) },
    });
    new CiliumNetworkPolicy(this, 'worker-fqdn', {
      metadata: meta(APP, 'airflow-worker-fqdn-egress', props.namespace),
      spec: { endpointSelector: workers, egress: fqdnEgress(props) },
    });
    for (const endpoint of PLATFORM_SIDE) this.admitWorkers(endpoint, props);
  }

  /**
   * Platform side: selecting the endpoint pods isolates them for ingress; every pod of the cluster
   * (workers included) may reach them on the endpoint port only, and the monitoring namespace on
   * any port (exporters and scrapes use their own).
   */
  private admitWorkers(endpoint: (typeof PLATFORM_SIDE)[number], props: AirflowWorkersProps): void {
    const service = props.egress[endpoint];
    new k8s.KubeNetworkPolicy(this, `${endpoint}-from-workers`, {
      metadata: meta(APP, `airflow-workers-to-${endpoint}`, service.namespace),
      spec: {
        podSelector: service.podLabels ? { matchLabels: service.podLabels } : {},
        policyTypes: ['Ingress'],
        ingress: [
          { from: [{ namespaceSelector: {} }], ports: onPort(service.port, service.protocol) },
          { from: [{ namespaceSelector: nsSelector(props.monitoringNamespace) }] },
        ],
      },
    });
  }
}
