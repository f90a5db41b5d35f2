// What Prometheus must scrape for the alerts to see their signals, beyond the exporters a cluster
// already runs: one blackbox Probe per dependency DependencyDown watches, and the ServiceMonitor of
// Airflow's StatsD exporter (TaskRetried's input).
import { Construct } from 'constructs';
import { Probe } from '../../imports/prometheus-probes-monitoring.coreos.com';
import { ServiceMonitor } from '../../imports/prometheus-servicemonitors-monitoring.coreos.com';
import { meta } from '../core/chart';
import type { Blackbox, ProbeTarget } from '../airflow';

export interface DependencyProbesProps {
  /** Namespace of the Probes (where the Prometheus instance looks). */
  namespace: string;
  /** The blackbox exporter that dials the targets. */
  blackbox: Blackbox;
  /** One Probe per target, labelled with its dependency. */
  targets: ProbeTarget[];
  /** Labels the Prometheus instance selects Probes by. @default {} */
  selectorLabels?: Record<string, string>;
}

/** One blackbox Probe per dependency (DependencyDown's series, job `blackbox.jobName`). */
export class DependencyProbes extends Construct {
  constructor(scope: Construct, id: string, props: DependencyProbesProps) {
    super(scope, id);
    for (const { dependency, target } of props.targets) {
      new Probe(this, `probe-${dependency}`, {
        metadata: meta('dependency-probe', `dependency-${dependency}`, props.namespace, props.selectorLabels ?? {}),
        spec: {
          jobName: props.blackbox.jobName,
          prober: { url: props.blackbox.prober },
          module: props.blackbox.module,
          targets: { staticConfig: { static: [target], labels: { dependency } } },
        },
      });
    }
  }
}

export interface StatsdServiceMonitorProps {
  /** Namespace of the ServiceMonitor (where the Prometheus instance looks). */
  namespace: string;
  /** The chart's StatsD Service name: the ServiceMonitor's name and the `job` label of its series. */
  service: string;
  /** Namespace of the Airflow release. */
  airflowNamespace: string;
  /** Labels of the chart's StatsD Service. */
  serviceLabels: Record<string, string>;
  /** Labels the Prometheus instance selects ServiceMonitors by. @default {} */
  selectorLabels?: Record<string, string>;
}

/** The Airflow chart's StatsD exporter Service (port statsd-scrape), scraped from the monitoring namespace. */
export class StatsdServiceMonitor extends Construct {
  constructor(scope: Construct, id: string, props: StatsdServiceMonitorProps) {
    super(scope, id);
    new ServiceMonitor(this, 'monitor', {
      metadata: meta('airflow-statsd', props.service, props.namespace, props.selectorLabels ?? {}),
      spec: {
        namespaceSelector: { matchNames: [props.airflowNamespace] },
        selector: { matchLabels: props.serviceLabels },
        endpoints: [{ port: 'statsd-scrape' }],
      },
    });
  }
}
