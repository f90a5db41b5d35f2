// The alert catalogues in order, and the alerts a cluster gets from them.
import type { ClusterConfig } from '../../config/schema';
import { valueAt } from '../../core/paths';
import { buildAlerts, Catalogue, readsOf, specsFor } from '../catalogue';
import type { Alert, AlertName } from '../../core/alerts';
import { airflowAlerts } from '../../airflow';
import { buildkitAlerts } from '../../buildkit';
import { computeAlerts } from '../../compute';
import { guardAlerts } from './guards';

const SIGNALS: Catalogue[] = [computeAlerts, airflowAlerts, buildkitAlerts];

/**
 * The guards the cluster's other alerts name in their needs. Asked before the config is checked,
 * so an alert that cannot be built yet (a field it reads is missing, a rule of its catalogue is
 * broken: both reported by the check) names no guard until it can.
 */
const guardsOf = new WeakMap<ClusterConfig, Set<AlertName>>();
function neededGuards(c: ClusterConfig): Set<AlertName> {
  const known = guardsOf.get(c);
  if (known) return known;
  const guards = new Set<AlertName>();
  for (const [cat, name, spec] of specsFor(SIGNALS, c)) {
    if (readsOf(name, spec).some((p) => valueAt(c, p) === undefined)) continue;
    let built;
    try {
      built = buildAlerts([{ ...cat, enabled: () => true, alerts: { [name]: spec } }], c);
    } catch {
      continue;
    }
    for (const a of built) for (const n of a.needs) guards.add(n.guard);
  }
  guardsOf.set(c, guards);
  return guards;
}

export const CATALOGUES: Catalogue[] = [...SIGNALS, guardAlerts(neededGuards)];

/** Every alert the cluster gets (after `monitoring.check` found no problem). */
export const alertsFor = (c: ClusterConfig): Alert[] => buildAlerts(CATALOGUES, c);

/** Files under dist/<cluster>/monitoring/. */
export const GRAFANA_FILE = 'grafana-alert-rules.yaml';
export const PROMETHEUS_FILE = 'prometheus-rules.yaml';
