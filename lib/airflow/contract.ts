// profiles.json: the single source of truth DAG code reads (SPEC 2.3), through dag_profiles.py.
// snake_case for Python readers, except pod_override, which is a camelCase V1Pod dict.
import {
  AirflowCluster, airflowPools, exclusiveWith, poolFor, preflightFor, profileForWorkload, TASK_POOL_SLOTS, TEMPLATES_DIR,
  templateFile, workloadFor,
} from './model';
import { podOverride } from './pod';

export function profilesContract(c: AirflowCluster) {
  const a = c.airflow;
  const workloads = c.compute.workloads;
  return {
    generated_from: `clusters/${c.name}.yaml`,
    heavy_factors: a.heavyFactors,
    // a factor outside `factors`: "normal" routes it like the sizing doc (`name in HEAVY_FACTORS`)
    unknown_factors: a.unknownFactors,
    factor_workloads: { normal: a.factorWorkloads.normal, heavy: a.factorWorkloads.heavy },
    factors: Object.fromEntries(
      a.factors.map((f) => {
        const workload = workloadFor(c, f);
        return [f, { heavy: a.heavyFactors.includes(f), workload, profile: profileForWorkload(c, workload) }];
      }),
    ),
    profiles: Object.fromEntries(
      Object.keys(c.compute.profiles).map((p) => [
        p,
        {
          pod_template_file: `${TEMPLATES_DIR}/${templateFile(p)}`,
          pod_override: podOverride(c, p),
          preflight: preflightFor(c, p),
        },
      ]),
    ),
    workloads: Object.fromEntries(
      Object.entries(workloads).map(([w, x]) => [w, {
        profile: x.profile,
        max_active_runs: x.maxActiveRuns,
        pool: poolFor(w),
        pool_slots: TASK_POOL_SLOTS,
        exclusive_with: exclusiveWith(c, w),
      }]),
    ),
    pools: airflowPools(c),
    retry: {
      retries: a.retry.retries,
      retry_delay_seconds: a.retry.retryDelaySeconds,
      retry_exponential_backoff: a.retry.exponentialBackoff,
      max_retry_delay_seconds: a.retry.maxRetryDelaySeconds,
    },
  };
}

export const renderContract = (c: AirflowCluster): string => `${JSON.stringify(profilesContract(c), null, 2)}\n`;

export const renderPools = (c: AirflowCluster): string => `${JSON.stringify(airflowPools(c), null, 2)}\n`;
