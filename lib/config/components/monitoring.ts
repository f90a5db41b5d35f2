// Alerts as code (SPEC 4): every cluster has a monitoring section. Outputs under
// dist/<cluster>/monitoring/: grafana-alert-rules.yaml (Grafana file provisioning) and the
// ConfigMap carrying it for the Grafana sidecar, prometheus-rules.yaml and the PrometheusRule with
// the same groups, runbooks.md (one section per alert, where runbook_url points), one blackbox
// Probe per dependency DependencyDown watches, and the ServiceMonitor of Airflow's StatsD exporter.
import { k8s } from 'cdk8s-plus-28';
import { Probe } from '../../../imports/prometheus-probes-monitoring.coreos.com';
import { PrometheusRule, PrometheusRuleSpecGroupsRulesExpr } from '../../../imports/prometheus-prometheusrules-monitoring.coreos.com';
import { ServiceMonitor } from '../../../imports/prometheus-servicemonitors-monitoring.coreos.com';
import { chartObjects } from '../../airflow';
import type { Component } from '../component';
import type { ClusterConfig } from '../schema';
import { generatedHeader, toYaml } from '../../core/yaml';
import { ComponentChart, meta } from '../../core/chart';
import type { Alert } from '../../core/alerts';
import { alertsFor, CATALOGUES, GRAFANA_FILE, PROMETHEUS_FILE } from '../../monitoring/alerts';
import { probeTargets, statsdService } from '../../airflow/alerts';
import { checkCatalogues } from '../../monitoring/catalogue';
import { helmEscapeAll } from '../../monitoring/helm';
import { grafanaDocument, prometheusGroups, RUNBOOKS_FILE } from '../../monitoring/render';
import { runbooks } from '../../monitoring/runbooks';
import { checkDashboards, dashboardFile, dashboardFolder, dashboardsFor, SIDECAR_LABEL } from '../../monitoring/dashboards';
import { dashboardJson } from '../../monitoring/dashboards/json';

const DIR = 'monitoring';

function addProbes(chart: ComponentChart, c: ClusterConfig): void {
  const m = c.monitoring;
  for (const { dependency, target } of probeTargets(c)) {
    new Probe(chart, `probe-${dependency}`, {
      metadata: meta('dependency-probe', `dependency-${dependency}`, m.namespace, m.probeSelectorLabels),
      spec: {
        jobName: m.blackbox!.jobName,
        prober: { url: m.blackbox!.prober },
        module: m.blackbox!.module,
        targets: { staticConfig: { static: [target], labels: { dependency } } },
      },
    });
  }
}

/** The chart's StatsD exporter Service (port statsd-scrape), scraped from the monitoring namespace. */
function addStatsdMonitor(chart: ComponentChart, c: ClusterConfig): void {
  const m = c.monitoring;
  new ServiceMonitor(chart, 'airflow-statsd-monitor', {
    metadata: meta('airflow-statsd', statsdService(c), m.namespace, m.serviceMonitorSelectorLabels),
    spec: {
      namespaceSelector: { matchNames: [c.airflow!.namespace] },
      selector: { matchLabels: chartObjects(c.airflow!).statsdLabels },
      endpoints: [{ port: 'statsd-scrape' }],
    },
  });
}

/**
 * Each dashboard as a JSON file (import by hand) and as a ConfigMap for the Grafana sidecar. Legends
 * carry {{label}} templates: escaped for Helm like the alert files when escapeForHelm is set.
 */
function addDashboards(chart: ComponentChart, c: ClusterConfig, alerts: Alert[], escape: <T>(v: T) => T): void {
  const m = c.monitoring;
  for (const d of dashboardsFor(c, alerts)) {
    const json = escape(dashboardJson(c, d));
    const file = dashboardFile(d);
    chart.file(file, json);
    new k8s.KubeConfigMap(chart, `dashboard-${d.uid}`, {
      metadata: {
        ...meta('grafana-dashboard', `dashboard-${d.uid}`, m.namespace, SIDECAR_LABEL),
        annotations: { [m.dashboards!.folderAnnotation]: dashboardFolder(c) },
      },
      data: { [`${d.uid}.json`]: json },
    });
  }
}

export const monitoring: Component = {
  name: DIR,
  enabled: () => true,
  check: (c) => [...checkCatalogues(CATALOGUES, c), ...checkDashboards(c)],
  build: (chart: ComponentChart, c) => {
    const alerts = alertsFor(c);
    if (alerts.length === 0) return;
    const m = c.monitoring;
    const escape = <T>(v: T): T => (m.escapeForHelm ? helmEscapeAll(v) : v);
    const groups = escape(prometheusGroups(c, alerts));
    const grafana = generatedHeader(c.name) + toYaml(escape(grafanaDocument(c, alerts)));

    chart.file(GRAFANA_FILE, grafana);
    new k8s.KubeConfigMap(chart, 'grafana-alert-rules', {
      metadata: meta('grafana-alert-rules', 'grafana-alert-rules', m.namespace, { grafana_alert: '1' }),
      data: { [GRAFANA_FILE]: grafana },
    });

    chart.file(PROMETHEUS_FILE, generatedHeader(c.name) + toYaml({ groups }));
    new PrometheusRule(chart, 'alert-rules', {
      metadata: meta('alert-rules', 'alert-rules', m.namespace, m.ruleSelectorLabels),
      spec: {
        groups: groups.map((g) => ({
          ...g,
          rules: g.rules.map((r) => ({ ...r, expr: PrometheusRuleSpecGroupsRulesExpr.fromString(r.expr) })),
        })),
      },
    });

    chart.file(RUNBOOKS_FILE, runbooks(c, alerts));
    if (alerts.some((a) => a.name === 'DependencyDown')) addProbes(chart, c);
    if (alerts.some((a) => a.name === 'TaskRetried')) addStatsdMonitor(chart, c);
    addDashboards(chart, c, alerts, escape);
  },
};
