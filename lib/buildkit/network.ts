// Who may talk to the farm (SPEC 3): build clients reach HAProxy's build ports, only HAProxy
// reaches the BuildKit pods' build and gate ports, Prometheus and KEDA read HAProxy's metrics,
// Prometheus reads buildkitd's. Everything else into the
// farm namespace is denied.
import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { meta } from '../core/chart';
import { ArchFleet, BUILDKIT_PORT, DEBUG_PORT, GATE_PORT } from './fleet';
import { METRICS_PORT } from './haproxy/config';
import { BUILDKITD, KEDA_OPERATOR, LB, anyBuildkitd, lbSelector } from './labels';
import type { BuildkitSettings } from './props';

const { IntOrString } = k8s;
const APP = 'buildkit-farm';

const inNamespace = (ns: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } });
const tcp = (port: number) => ({ protocol: 'TCP', port: IntOrString.fromNumber(port) });

/** `monitoring` is the namespace of Prometheus (monitoring.namespace), which scrapes HAProxy. */
export function addNetworkPolicies(scope: Construct, farm: BuildkitSettings, pools: ArchFleet[], monitoring: string): void {
  const ns = farm.namespaces.farm;
  new k8s.KubeNetworkPolicy(scope, 'default-deny-ingress', {
    metadata: meta(APP, 'default-deny-ingress', ns),
    spec: { podSelector: {}, policyTypes: ['Ingress'] },
  });
  new k8s.KubeNetworkPolicy(scope, `${LB}-ingress`, {
    metadata: meta(LB, LB, ns),
    spec: {
      podSelector: { matchLabels: lbSelector },
      policyTypes: ['Ingress'],
      ingress: [
        { from: [inNamespace(farm.namespaces.runners)], ports: pools.map((pool) => tcp(pool.lbPort)) },
        { from: [inNamespace(monitoring)], ports: [tcp(METRICS_PORT)] },
        // KEDA's operator polls /metrics itself (metrics-api trigger)
        { from: [{ ...inNamespace(farm.namespaces.keda), podSelector: { matchLabels: KEDA_OPERATOR } }], ports: [tcp(METRICS_PORT)] },
      ],
    },
  });
  new k8s.KubeNetworkPolicy(scope, `${BUILDKITD}-ingress`, {
    metadata: meta(BUILDKITD, BUILDKITD, ns),
    spec: {
      podSelector: { matchLabels: anyBuildkitd },
      policyTypes: ['Ingress'],
      ingress: [
        // builds and HAProxy's health check (buildkitd and the gate)
        { from: [{ podSelector: { matchLabels: lbSelector } }], ports: [tcp(BUILDKIT_PORT), tcp(GATE_PORT)] },
        // Prometheus scrapes buildkitd's debug address (/metrics; pprof stays reachable from there only)
        { from: [inNamespace(monitoring)], ports: [tcp(DEBUG_PORT)] },
      ],
    },
  });
}
