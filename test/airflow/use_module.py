"""Imports the generated dag_profiles module from the folder given and exercises it as DAG code
would, printing the results as JSON.

argv: folder, factors (JSON list), workloads (JSON list), an unknown name, busy pools (JSON list).
Airflow itself is not installed here: a stand-in `airflow.models.Pool` answers for the pools,
with the busy ones occupied and every other known pool idle (an unknown pool does not exist).
"""
import datetime
import json
import sys
import types

folder, factor_names, workload_names, unknown, busy = sys.argv[1:6]
sys.path.insert(0, folder)
import dag_profiles  # noqa: E402
from kubernetes.client import V1Pod  # noqa: E402

busy = set(json.loads(busy))
imported = set(dag_profiles.PROFILES["pools"])  # the pools `airflow pools import` created


class Pool:
    """The two calls of airflow.models.Pool the module makes."""

    def __init__(self, name):
        self.name = name

    @classmethod
    def get_pool(cls, name):
        return cls(name) if name in imported else None

    def occupied_slots(self):
        return 1 if self.name in busy else 0


airflow = types.ModuleType("airflow")
airflow.models = types.ModuleType("airflow.models")
airflow.models.Pool = Pool
sys.modules.update({"airflow": airflow, "airflow.models": airflow.models})


def pod_summary(pod):
    base = pod.spec.containers[0]
    return {
        "isV1Pod": isinstance(pod, V1Pod),
        "container": base.name,
        "requests": base.resources.requests,
        "limits": base.resources.limits,
        "nodeSelector": pod.spec.node_selector,
    }


def timedeltas_as_seconds(args):
    return {k: v.total_seconds() if isinstance(v, datetime.timedelta) else v for k, v in args.items()}


def error_of(call):
    try:
        call()
        return None
    except (KeyError, RuntimeError) as e:
        return {"type": type(e).__name__, "message": str(e)}


def outcome(call):
    """The value (V1Pods summarized), or the error."""
    try:
        value = call()
    except (KeyError, RuntimeError) as e:
        return {"error": {"type": type(e).__name__, "message": str(e)}}
    if isinstance(value, dict) and "pod_override" in value:
        value = value["pod_override"]
    return {"value": pod_summary(value) if isinstance(value, V1Pod) else value}


factors = {}
for factor in json.loads(factor_names):
    factors[factor] = {
        "heavy": dag_profiles.is_heavy_factor(factor),
        "profile": dag_profiles.profile_for(factor),
        "workload": dag_profiles.workload_for(factor),
        "maxActiveRuns": dag_profiles.max_active_runs(factor),
        "preflightBytes": dag_profiles.preflight_memory_threshold_bytes(factor),
        "memoryLimitBytes": dag_profiles.memory_limit_bytes(factor),
        "preflightAtThreshold": outcome(lambda: dag_profiles.check_preflight(factor, dag_profiles.preflight_memory_threshold_bytes(factor))),
        "preflight16GiB": outcome(lambda: dag_profiles.check_preflight(factor, 16 * 2**30)),
        "preflightAboveThreshold": outcome(lambda: dag_profiles.check_preflight(factor, dag_profiles.preflight_memory_threshold_bytes(factor) + 1)),
        "executorConfigIsV1Pod": isinstance(dag_profiles.executor_config(factor)["pod_override"], V1Pod),
        **pod_summary(dag_profiles.pod_override(factor)),
    }

workloads = {}
for workload in json.loads(workload_names):
    args = dag_profiles.default_args(workload)
    workloads[workload] = {
        "maxActiveRuns": dag_profiles.max_active_runs_for(workload),
        "pool": dag_profiles.pool_for(workload),
        "exclusivePools": dag_profiles.exclusive_pools(workload),
        "busyExclusivePools": dag_profiles.busy_exclusive_pools(workload),
        "exclusivePoolsIdle": dag_profiles.exclusive_pools_idle(workload),
        "executorConfigIsV1Pod": isinstance(dag_profiles.executor_config_for_workload(workload)["pod_override"], V1Pod),
        "defaultArgs": timedeltas_as_seconds(args),
        "timedeltas": all(isinstance(args[k], datetime.timedelta) for k in ("retry_delay", "max_retry_delay")),
        **pod_summary(dag_profiles.pod_override_for_workload(workload)),
    }


unknown_factor = {
    name: outcome(lambda: getattr(dag_profiles, name)(unknown))
    for name in ("is_heavy_factor", "profile_for", "workload_for", "pod_override", "executor_config", "max_active_runs",
                 "preflight_memory_threshold_bytes")
}
unknown_workload = {
    name: error_of(lambda: getattr(dag_profiles, name)(unknown))
    for name in ("pool_for", "max_active_runs_for", "pod_override_for_workload", "default_args", "exclusive_pools")
}

# pools never imported into Airflow: the guard must say so, not report them idle
guarded = next(w for w in json.loads(workload_names) if dag_profiles.exclusive_pools(w))
imported.clear()
missing_pool = error_of(lambda: dag_profiles.busy_exclusive_pools(guarded))

print(json.dumps({
    "factors": factors,
    "workloads": workloads,
    "unknownFactor": unknown_factor,
    "unknownWorkload": unknown_workload,
    "missingPool": missing_pool,
}))
