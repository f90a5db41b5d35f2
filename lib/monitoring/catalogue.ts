// The alert catalogues and the rules that must hold before any alert is built. A catalogue is the
// set of alerts one part of a cluster needs (its compute pool, Airflow, the BuildKit farm); each
// alert names the config fields it reads, so a missing field is reported before building.
import type { Problem } from '../config/errors';
import { valueAt } from '../config/paths';
import type { ClusterConfig } from '../config/schema';
import type { Alert, AlertName } from './model';

/** What an alert catalogue entry builds; name, group and reads are filled in from the entry. */
export type AlertBody = Omit<Alert, 'name' | 'group' | 'reads'>;

export interface AlertSpec {
  /** Config fields read besides `monitoring.thresholds.<name>` (dotted paths). */
  reads: string[];
  build: (c: ClusterConfig) => AlertBody;
}

export interface Catalogue {
  /** Rule group name in Prometheus and Grafana. */
  group: string;
  enabled: (c: ClusterConfig) => boolean;
  alerts: Partial<Record<AlertName, AlertSpec>>;
  /** Rules of this catalogue beyond "every field it reads exists". */
  check?: (c: ClusterConfig) => Problem[];
}

/** Grafana rule uids are at most 40 characters. */
export const MAX_UID = 40;
export const ruleUid = (cluster: string, name: string): string => `${cluster}-${name.toLowerCase()}`;

/** The alert specs a cluster gets: every alert of every enabled catalogue. */
export function specsFor(catalogues: Catalogue[], c: ClusterConfig): [Catalogue, AlertName, AlertSpec][] {
  return catalogues
    .filter((cat) => cat.enabled(c))
    .flatMap((cat) => (Object.entries(cat.alerts) as [AlertName, AlertSpec][]).map(([name, spec]): [Catalogue, AlertName, AlertSpec] => [cat, name, spec]));
}

export const readsOf = (name: AlertName, spec: AlertSpec): string[] => [`monitoring.thresholds.${name}`, ...spec.reads];

export function checkCatalogues(catalogues: Catalogue[], c: ClusterConfig): Problem[] {
  const problems: Problem[] = [];
  const missing = new Map<string, AlertName[]>();
  let longest = '';
  for (const [, name, spec] of specsFor(catalogues, c)) {
    for (const path of readsOf(name, spec)) {
      if (valueAt(c, path) === undefined) missing.set(path, [...(missing.get(path) ?? []), name]);
    }
    if (name.length > longest.length) longest = name;
  }
  const uid = ruleUid(c.name, longest);
  if (longest && uid.length > MAX_UID)
    problems.push({ cluster: c.name, path: 'name', value: c.name, rule: `Grafana rule uid ${uid} is longer than ${MAX_UID} characters`, fix: `use a cluster name of at most ${MAX_UID - longest.length - 1} characters` });
  for (const [path, names] of missing)
    problems.push({ cluster: c.name, path, value: undefined, rule: `required by the alert${names.length > 1 ? 's' : ''} ${names.join(', ')} this cluster gets` });
  for (const cat of catalogues.filter((x) => x.enabled(c))) problems.push(...(cat.check?.(c) ?? []));
  return problems;
}

/** Every alert of the cluster, in catalogue order. Call after checkCatalogues found nothing. */
export function buildAlerts(catalogues: Catalogue[], c: ClusterConfig): Alert[] {
  return specsFor(catalogues, c).map(([cat, name, spec]) => ({ name, group: cat.group, reads: readsOf(name, spec), ...spec.build(c) }));
}
