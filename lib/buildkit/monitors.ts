// ServiceMonitors for HAProxy, buildkitd and KEDA (prometheus-operator), in the monitoring namespace so
// neither the farm's nor KEDA's namespace needs anything from us.
import { ServiceMonitor } from '../../imports/prometheus-servicemonitors-monitoring.coreos.com';
import type { BuildkitConfig } from '../config/sections/buildkit';
import { ComponentChart, meta } from '../core/chart';
import { BUILDKITD, KEDA_OPERATOR, LB, anyBuildkitd, lbSelector } from './common';
import { METRICS_PATH } from './haproxy/config';

/** `ns` is the namespace of Prometheus (monitoring.namespace). */
export function addServiceMonitors(chart: ComponentChart, b: BuildkitConfig, ns: string): void {
  new ServiceMonitor(chart, `${LB}-monitor`, {
    metadata: meta(LB, LB, ns, b.serviceMonitorLabels),
    spec: {
      namespaceSelector: { matchNames: [b.namespaces.farm] },
      selector: { matchLabels: lbSelector },
      endpoints: [{ port: 'metrics', path: METRICS_PATH }],
    },
  });
  // buildkitd's debug address, through the headless pod Services (which list every pod)
  new ServiceMonitor(chart, `${BUILDKITD}-monitor`, {
    metadata: meta(BUILDKITD, BUILDKITD, ns, b.serviceMonitorLabels),
    spec: {
      namespaceSelector: { matchNames: [b.namespaces.farm] },
      selector: { matchLabels: anyBuildkitd },
      endpoints: [{ port: 'metrics', path: METRICS_PATH }],
    },
  });
  new ServiceMonitor(chart, 'keda-operator-monitor', {
    metadata: meta('keda-operator', 'keda-operator', ns, b.serviceMonitorLabels),
    spec: {
      namespaceSelector: { matchNames: [b.namespaces.keda] },
      selector: { matchLabels: KEDA_OPERATOR },
      endpoints: [{ port: 'metrics' }],
    },
  });
}
