// The alert catalogues in order, and the alerts a cluster gets from them.
import type { ClusterConfig } from '../../config/schema';
import { buildAlerts, Catalogue } from '../catalogue';
import type { Alert } from '../model';
import { airflowAlerts } from './airflow';
import { buildkitAlerts } from './buildkit';
import { computeAlerts } from './compute';

export const CATALOGUES: Catalogue[] = [computeAlerts, airflowAlerts, buildkitAlerts];

/** Every alert the cluster gets (after `monitoring.check` found no problem). */
export const alertsFor = (c: ClusterConfig): Alert[] => buildAlerts(CATALOGUES, c);

/** Files under dist/<cluster>/monitoring/. */
export const GRAFANA_FILE = 'grafana-alert-rules.yaml';
export const PROMETHEUS_FILE = 'prometheus-rules.yaml';
