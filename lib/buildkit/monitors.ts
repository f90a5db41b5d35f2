// ServiceMonitors for HAProxy, buildkitd and KEDA (prometheus-operator), in the monitoring namespace so
// neither the farm's nor KEDA's namespace needs anything from us.
import { ServiceMonitor } from '../../imports/prometheus-servicemonitors-monitoring.coreos.com';
import type { Construct } from 'constructs';
import { meta } from '../core/chart';
import { METRICS_PATH } from './haproxy/config';
import { BUILDKITD, KEDA_OPERATOR, LB, anyBuildkitd, lbSelector } from './labels';
import type { BuildkitSettings } from './props';

/** `ns` is the namespace of Prometheus (monitoring.namespace). */
export function addServiceMonitors(scope: Construct, farm: BuildkitSettings, ns: string): void {
  new ServiceMonitor(scope, `${LB}-monitor`, {
    metadata: meta(LB, LB, ns, farm.serviceMonitorLabels),
    spec: {
      namespaceSelector: { matchNames: [farm.namespaces.farm] },
      selector: { matchLabels: lbSelector },
      endpoints: [{ port: 'metrics', path: METRICS_PATH }],
    },
  });
  // buildkitd's debug address, through the headless pod Services (which list every pod)
  new ServiceMonitor(scope, `${BUILDKITD}-monitor`, {
    metadata: meta(BUILDKITD, BUILDKITD, ns, farm.serviceMonitorLabels),
    spec: {
      namespaceSelector: { matchNames: [farm.namespaces.farm] },
      selector: { matchLabels: anyBuildkitd },
      endpoints: [{ port: 'metrics', path: METRICS_PATH }],
    },
  });
  new ServiceMonitor(scope, 'keda-operator-monitor', {
    metadata: meta('keda-operator', 'keda-operator', ns, farm.serviceMonitorLabels),
    spec: {
      namespaceSelector: { matchNames: [farm.namespaces.keda] },
      selector: { matchLabels: KEDA_OPERATOR },
      endpoints: [{ port: 'metrics' }],
    },
  });
}
