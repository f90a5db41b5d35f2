// Dashboards as code: one dashboard per concern, built from the same alerts and numbers as the
// rules. Each is written twice: as dashboards/<uid>.json for an import by hand, and inside a
// ConfigMap labelled for the Grafana dashboard sidecar.
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { addFile, meta } from '../../core/chart';
import type { Alert } from '../../core/alerts';
import { PropsProblem, refuse } from '../../core/props';
import { helmEscapeAll } from '../helm';
import { farmDashboard, FarmDashboardInputs } from './farm';
import { infrastructureDashboard, InfrastructureDashboardInputs } from './infrastructure';
import { dashboardJson } from './json';
import type { Dashboard, DashboardRendering } from './model';

export type { DashboardArch, FarmArchCost, FarmDashboardInputs } from './farm';
export type { InfrastructureDashboardInputs } from './infrastructure';
export type { Dashboard, DashboardRendering } from './model';

export const DASHBOARD_DIR = 'dashboards';

/** The sidecar's default label (the grafana chart's sidecar.dashboards.label / labelValue). */
export const SIDECAR_LABEL = { grafana_dashboard: '1' };

/** Grafana refuses a dashboard uid longer than this. */
export const MAX_DASHBOARD_UID = 40;

/** The concerns a dashboard exists for; its uid is <cluster>-<concern>. */
export type Concern = 'infrastructure' | 'buildkit-farm';

export const dashboardUid = (cluster: string, concern: Concern): string => `${cluster}-${concern}`;

export const dashboardFile = (d: Pick<Dashboard, 'uid'>): string => `${DASHBOARD_DIR}/${d.uid}.json`;

export interface DashboardsProps extends DashboardRendering {
  /** Cluster name: the uid prefix, title and tag of every dashboard. */
  cluster: string;
  /** Namespace of the sidecar ConfigMaps. */
  namespace: string;
  /** Grafana folder the sidecar puts the dashboards in. */
  folder: string;
  /** Annotation the sidecar reads the folder from (the grafana chart's sidecar.dashboards.folderAnnotation). @default 'grafana_folder' */
  folderAnnotation?: string;
  /** The rules' alerts (AlertRules.alerts): a panel that shows an alert's signal takes its own expression and threshold. */
  alerts: Alert[];
  /** The ML platform's Infrastructure dashboard, when given. */
  infrastructure?: InfrastructureDashboardInputs;
  /** The BuildKit farm's dashboard, when given. */
  farm?: FarmDashboardInputs;
  /** Escape template braces (the legends' {{label}}) like the alert files. @default false */
  escapeForHelm?: boolean;
}

/** Which dashboards a set of props asks for (only whether each concern is given matters). */
export interface DashboardChoice {
  cluster: string;
  infrastructure?: unknown;
  farm?: unknown;
}

/** The concerns `props` asks a dashboard for, in order. */
export const concernsOf = (props: DashboardChoice): Concern[] =>
  [...(props.infrastructure ? ['infrastructure' as const] : []), ...(props.farm ? ['buildkit-farm' as const] : [])];

/** Every dashboard uid must fit Grafana's 40 characters. */
export function validateDashboards(props: DashboardChoice): PropsProblem[] {
  return concernsOf(props)
    .map((concern) => dashboardUid(props.cluster, concern))
    .filter((uid) => uid.length > MAX_DASHBOARD_UID)
    .map((uid) => ({
      path: 'cluster', value: props.cluster,
      rule: `the dashboard uid ${uid} is longer than the ${MAX_DASHBOARD_UID} characters Grafana accepts`,
      fix: `a cluster name of at most ${MAX_DASHBOARD_UID - uid.length + props.cluster.length} characters`,
    }));
}

/** The dashboard models of `props`. */
export function dashboardsOf(props: Pick<DashboardsProps, 'cluster' | 'infrastructure' | 'farm' | 'alerts'>): Dashboard[] {
  return [
    ...(props.infrastructure ? [infrastructureDashboard(props.cluster, props.infrastructure, props.alerts)] : []),
    ...(props.farm ? [farmDashboard(props.cluster, props.farm, props.alerts)] : []),
  ];
}

/** Grafana dashboards (JSON files and sidecar ConfigMaps) drawn from the alerts and the components' numbers. */
export class Dashboards extends Construct {
  readonly dashboards: Dashboard[];

  constructor(scope: Construct, id: string, props: DashboardsProps) {
    super(scope, id);
    refuse(this, validateDashboards(props));
    this.dashboards = dashboardsOf(props);
    const escape = <T>(v: T): T => (props.escapeForHelm ? helmEscapeAll(v) : v);
    for (const d of this.dashboards) {
      const json = escape(dashboardJson(props, d));
      addFile(this, dashboardFile(d), json);
      new k8s.KubeConfigMap(this, `dashboard-${d.uid}`, {
        metadata: {
          ...meta('grafana-dashboard', `dashboard-${d.uid}`, props.namespace, SIDECAR_LABEL),
          annotations: { [props.folderAnnotation ?? 'grafana_folder']: props.folder },
        },
        data: { [`${d.uid}.json`]: json },
      });
    }
  }
}
