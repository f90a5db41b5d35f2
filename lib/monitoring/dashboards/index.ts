// Dashboards as code: per cluster, one dashboard per concern, built from the same alerts and config
// as the rules. Each is written twice under dist/<cluster>/monitoring/: as dashboards/<uid>.json
// for an import by hand, and inside a ConfigMap labelled for the Grafana dashboard sidecar.
import type { Problem } from '../../core/errors';
import type { ClusterConfig } from '../../config/schema';
import type { Alert } from '../../core/alerts';
import { farmDashboard } from './farm';
import { infrastructureDashboard } from './infrastructure';
import type { Dashboard } from './model';

export const DASHBOARD_DIR = 'dashboards';

/** The sidecar's default label (the grafana chart's sidecar.dashboards.label / labelValue). */
export const SIDECAR_LABEL = { grafana_dashboard: '1' };

/** Grafana refuses a dashboard uid longer than this. */
export const MAX_DASHBOARD_UID = 40;

const BUILDERS = { infrastructure: infrastructureDashboard, 'buildkit-farm': farmDashboard } as const;
type Concern = keyof typeof BUILDERS;

/** The concerns a cluster gets a dashboard for (its uid is <cluster>-<concern>), known before building. */
export const concernsOf = (c: ClusterConfig): Concern[] =>
  !c.monitoring.dashboards ? [] : [...(c.compute && c.airflow ? ['infrastructure' as const] : []), ...(c.buildkit ? ['buildkit-farm' as const] : [])];

export function checkDashboards(c: ClusterConfig): Problem[] {
  return concernsOf(c)
    .map((concern) => `${c.name}-${concern}`)
    .filter((uid) => uid.length > MAX_DASHBOARD_UID)
    .map((uid) => ({
      cluster: c.name, path: 'name', value: c.name,
      rule: `the dashboard uid ${uid} is longer than the ${MAX_DASHBOARD_UID} characters Grafana accepts`,
      fix: `a cluster name of at most ${MAX_DASHBOARD_UID - uid.length + c.name.length} characters`,
    }));
}

/** The dashboards a cluster gets: none without `monitoring.dashboards`. */
export function dashboardsFor(c: ClusterConfig, alerts: Alert[]): Dashboard[] {
  return concernsOf(c).map((concern) => BUILDERS[concern](c, alerts));
}

/** The folder the sidecar puts the dashboards in. */
export const dashboardFolder = (c: ClusterConfig): string => c.monitoring.dashboards!.folder ?? c.monitoring.grafana.folder;

export const dashboardFile = (d: Pick<Dashboard, 'uid'>): string => `${DASHBOARD_DIR}/${d.uid}.json`;
