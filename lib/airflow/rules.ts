// Rules the Airflow outputs need from the config, checked before anything is built. Unknown names
// are reported by lib/config/references.ts and profiles that do not fit their pool by
// lib/config/fit.ts (both when loading); these rules skip them.
import { Problem, Problems } from '../config/errors';
import type { ClusterConfig } from '../config/schema';
import { imageParts, platformPool } from './model';

export function checkAirflow(c: ClusterConfig): Problem[] {
  const problems = new Problems(c.name);
  const { airflow: a, compute } = c;
  if (!a || !compute) return [];

  a.heavyFactors.forEach((f, i) =>
    problems.check(a.factors.includes(f), `airflow.heavyFactors[${i}]`, f,
      `unknown factor: heavy factors must be among airflow.factors (${a.factors.join(', ')})`,
      `add ${f} to airflow.factors or remove it from airflow.heavyFactors`),
  );

  if (!imageParts(a.image).version)
    problems.add('airflow.image', a.image,
      'the tag must start with the Airflow version (the chart\'s airflowVersion is derived from it)',
      'use a tag such as apache/airflow:2.10.5-python3.11');

  const platform = platformPool(c);
  problems.check(platform !== undefined, 'compute.pools', Object.keys(compute.pools),
    'needs a pool with role platform: the scheduler, webserver and triggerer are pinned to it (values top-level nodeSelector)',
    'add role: platform to the permanent pool');

  return problems.list;
}
