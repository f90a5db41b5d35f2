// The alert rules of one cluster: the alerts its components declare, plus the guards their needs
// name, rendered into the files Grafana and Prometheus load (grafana-alert-rules.yaml and the
// ConfigMap carrying it for the Grafana sidecar, prometheus-rules.yaml and the PrometheusRule with
// the same groups) and runbooks.md, one section per alert, where every runbook_url points.
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { PrometheusRule, PrometheusRuleSpecGroupsRulesExpr } from '../../imports/prometheus-prometheusrules-monitoring.coreos.com';
import { addFile, meta } from '../core/chart';
import type { Alert, AlertName, GuardName, HoldFor } from '../core/alerts';
import { PropsProblem, refuse } from '../core/props';
import { generatedFrom, generatedHeader, toYaml } from '../core/yaml';
import { guardAlerts, neededGuards } from './guards';
import { helmEscapeAll } from './helm';
import { grafanaDocument, MAX_UID, prometheusGroups, ruleUid, RuleSettings, RUNBOOKS_FILE } from './render';
import { runbooks } from './runbooks';

/** Files an AlertRules writes beside its manifests. */
export const GRAFANA_FILE = 'grafana-alert-rules.yaml';
export const PROMETHEUS_FILE = 'prometheus-rules.yaml';

/** What an AlertRules renders: the components' alerts and where they go. */
export interface AlertRulesProps extends RuleSettings {
  /** Namespace of the ConfigMap and the PrometheusRule (where Grafana's sidecar and Prometheus look). */
  namespace: string;
  /** The components' alerts (buildkitFarmAlerts, airflowAlerts, computeAlerts ...), in rule order; the guards are added. */
  alerts: Alert[];
  /** `for` of each guard the alerts' needs name (every needed guard must have one). @default {} */
  guardThresholds?: Partial<Record<GuardName, HoldFor>>;
  /** Labels the Prometheus instance selects PrometheusRules by (e.g. kube-prometheus-stack's release). @default {} */
  ruleSelectorLabels?: Record<string, string>;
  /** Escape template braces so the files survive being fed through Helm. @default false */
  escapeForHelm?: boolean;
}

/** The rules an AlertRules refuses to build: a needed guard without a threshold, routing overrides of unknown alerts, clashing uids. */
export function validateAlertRules(props: AlertRulesProps): PropsProblem[] {
  const guards = [...neededGuards(props.alerts).keys()];
  const problems: PropsProblem[] = guards
    .filter((g) => props.guardThresholds?.[g] === undefined)
    .map((g) => ({ path: `guardThresholds.${g}`, value: undefined, rule: `required by the alert ${g} these alerts need` }));
  problems.push(...routingProblems(props, [...props.alerts.map((a) => a.name), ...guards]));
  problems.push(...uidProblems(props.cluster, props.alerts));
  return problems;
}

/** Routing overrides must name alerts the rules have (a typo would silently route nothing). */
function routingProblems(props: AlertRulesProps, alerts: AlertName[]): PropsProblem[] {
  const names = [...new Set(alerts)];
  const overrides: [string, Record<string, string>][] = [['teams', props.routing.teams ?? {}], ['severities', props.routing.severities ?? {}]];
  return overrides.flatMap(([field, map]) => Object.keys(map)
    .filter((name) => !names.includes(name as AlertName))
    .map((name) => ({ path: `routing.${field}.${name}`, value: map[name], rule: `${name} is not an alert this cluster gets`, fix: `one of ${names.join(', ')}` })));
}

/** uids are cut to 40 characters: two rules could end up with one. */
function uidProblems(cluster: string, alerts: Alert[]): PropsProblem[] {
  const problems: PropsProblem[] = [];
  const seen = new Map<string, string>();
  for (const a of alerts) {
    const uid = ruleUid(cluster, a.name, a.key);
    const rule = a.key ? `${a.name} (${a.key})` : a.name;
    const other = seen.get(uid);
    if (other !== undefined)
      problems.push({ path: 'cluster', value: cluster, rule: `the Grafana rules ${other} and ${rule} get the same uid ${uid} (uids are cut to ${MAX_UID} characters)`, fix: 'use a shorter cluster name, or shorter monitoring.runDurationSources names' });
    seen.set(uid, rule);
  }
  return problems;
}

/**
 * A cluster's alert rules, for Grafana (file provisioning and its sidecar ConfigMap) and for
 * Prometheus (a PrometheusRule and the plain rules file), with their runbooks. `alerts` holds
 * every rule rendered, the guards included.
 */
export class AlertRules extends Construct {
  readonly alerts: Alert[];

  constructor(scope: Construct, id: string, props: AlertRulesProps) {
    super(scope, id);
    refuse(this, validateAlertRules(props));
    this.alerts = [...props.alerts, ...guardAlerts(props.alerts, props.guardThresholds ?? {})];
    if (this.alerts.length === 0) return;
    const escape = <T>(v: T): T => (props.escapeForHelm ? helmEscapeAll(v) : v);
    const header = generatedHeader(generatedFrom(this));

    const grafana = header + toYaml(escape(grafanaDocument(props, this.alerts)));
    addFile(this, GRAFANA_FILE, grafana);
    new k8s.KubeConfigMap(this, 'grafana-alert-rules', {
      metadata: meta('grafana-alert-rules', 'grafana-alert-rules', props.namespace, { grafana_alert: '1' }),
      data: { [GRAFANA_FILE]: grafana },
    });

    const groups = escape(prometheusGroups(props, this.alerts));
    addFile(this, PROMETHEUS_FILE, header + toYaml({ groups }));
    new PrometheusRule(this, 'alert-rules', {
      metadata: meta('alert-rules', 'alert-rules', props.namespace, props.ruleSelectorLabels ?? {}),
      spec: {
        groups: groups.map((g) => ({
          ...g,
          rules: g.rules.map((r) => ({ ...r, expr: PrometheusRuleSpecGroupsRulesExpr.fromString(r.expr) })),
        })),
      },
    });

    addFile(this, RUNBOOKS_FILE, runbooks(props, this.alerts, generatedFrom(this)));
  }
}
