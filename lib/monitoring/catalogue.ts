// The alert catalogues and the rules that must hold before any alert is built. A catalogue is the
// set of alerts one part of a cluster needs (its compute pool, Airflow, the BuildKit farm); each
// alert names the config fields it reads, so a missing field is reported before building.
import type { Problem } from '../core/errors';
import { valueAt } from '../core/paths';
import type { ClusterConfig } from '../config/schema';
import type { Alert, AlertName } from '../core/alerts';

/** What an alert catalogue entry builds; name, group and reads are filled in from the entry. */
export type AlertBody = Omit<Alert, 'name' | 'group' | 'reads'>;

export interface AlertSpec {
  /** Config fields read besides `monitoring.thresholds.<name>` (dotted paths). */
  reads: string[];
  /** Whether the cluster gets this alert at all (default: whenever its catalogue is enabled). */
  enabled?: (c: ClusterConfig) => boolean;
  /** One rule, or one per source (each with its own `key`). */
  build: (c: ClusterConfig) => AlertBody | AlertBody[];
  /** The keys of the rules `build` returns, when it returns several (known before building). */
  keys?: (c: ClusterConfig) => (string | undefined)[];
}

export interface Catalogue {
  /** Rule group name in Prometheus and Grafana. */
  group: string;
  enabled: (c: ClusterConfig) => boolean;
  alerts: Partial<Record<AlertName, AlertSpec>>;
  /** Rules of this catalogue beyond "every field it reads exists". */
  check?: (c: ClusterConfig) => Problem[];
}

/** Grafana rule uids are at most 40 characters: longer ones are cut there (and must stay unique, checked). */
export const MAX_UID = 40;
export const ruleUid = (cluster: string, name: string, key?: string): string =>
  `${cluster}-${name.toLowerCase()}${key ? `-${key}` : ''}`.slice(0, MAX_UID);

/** The alert specs a cluster gets: every alert of every enabled catalogue. */
export function specsFor(catalogues: Catalogue[], c: ClusterConfig): [Catalogue, AlertName, AlertSpec][] {
  return catalogues
    .filter((cat) => cat.enabled(c))
    .flatMap((cat) => (Object.entries(cat.alerts) as [AlertName, AlertSpec][])
      .filter(([, spec]) => spec.enabled?.(c) ?? true)
      .map(([name, spec]): [Catalogue, AlertName, AlertSpec] => [cat, name, spec]));
}

export const readsOf = (name: AlertName, spec: AlertSpec): string[] => [`monitoring.thresholds.${name}`, 'monitoring.routing', ...spec.reads];

export function checkCatalogues(catalogues: Catalogue[], c: ClusterConfig): Problem[] {
  const problems: Problem[] = [];
  const missing = new Map<string, AlertName[]>();
  const specs = specsFor(catalogues, c);
  for (const [, name, spec] of specs) {
    for (const path of readsOf(name, spec)) {
      if (valueAt(c, path) === undefined) missing.set(path, [...(missing.get(path) ?? []), name]);
    }
  }
  for (const [path, names] of missing)
    problems.push({ cluster: c.name, path, value: undefined, rule: `required by the alert${names.length > 1 ? 's' : ''} ${names.join(', ')} this cluster gets` });
  for (const cat of catalogues.filter((x) => x.enabled(c))) problems.push(...(cat.check?.(c) ?? []));
  const names = new Set(specs.map(([, name]) => name));
  const overrides: [string, Record<string, string>][] = [['teams', c.monitoring.routing?.teams ?? {}], ['severities', c.monitoring.routing?.severities ?? {}]];
  for (const [field, map] of overrides) {
    for (const name of Object.keys(map).filter((n) => !names.has(n as AlertName)))
      problems.push({ cluster: c.name, path: `monitoring.routing.${field}.${name}`, value: map[name], rule: `${name} is not an alert this cluster gets`, fix: `one of ${[...names].join(', ')}` });
  }
  // uids are cut to 40 characters: two rules could end up with one (checked without building, as
  // other components' rules, which building relies on, are checked alongside)
  const seen = new Map<string, string>();
  for (const [, name, spec] of specs) {
    for (const key of spec.keys?.(c) ?? [undefined]) {
      const uid = ruleUid(c.name, name, key);
      const rule = key ? `${name} (${key})` : name;
      const other = seen.get(uid);
      if (other !== undefined)
        problems.push({ cluster: c.name, path: 'name', value: c.name, rule: `the Grafana rules ${other} and ${rule} get the same uid ${uid} (uids are cut to ${MAX_UID} characters)`, fix: 'use a shorter cluster name, or shorter monitoring.runDurationSources names' });
      seen.set(uid, rule);
    }
  }
  return problems;
}

/** Every alert of the cluster, in catalogue order. Call after checkCatalogues found nothing. */
export function buildAlerts(catalogues: Catalogue[], c: ClusterConfig): Alert[] {
  return specsFor(catalogues, c).flatMap(([cat, name, spec]) => {
    const built = spec.build(c);
    return (Array.isArray(built) ? built : [built]).map((body) => ({ name, group: cat.group, reads: readsOf(name, spec), ...body }));
  });
}
