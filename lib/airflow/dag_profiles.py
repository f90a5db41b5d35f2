"""Worker profiles, Airflow pools, the retry policy and the pre-flight guardrail for DAG code, read
from the profiles.json generated next to this file.

DAG code imports this module instead of keeping its own copy of factor names, resources, pools or
retry settings:

    import dag_profiles as profiles

    workload = profiles.workload_for(factor)          # or a workload name: "discovery", "wfrb"
    DAG(..., max_active_runs=profiles.max_active_runs_for(workload),
        default_args=profiles.default_args(workload))  # retries + the workload's pool

Routing needs only the standard library (the sizing doc's forecast code calls is_heavy_factor
outside Airflow); the `kubernetes` package is imported only where a V1Pod is built.

A factor that profiles.json does not list routes to the normal workload, as the sizing doc's
`name in HEAVY_FACTORS` does, unless the cluster config says `airflow.unknownFactors: refuse`:
then it raises UnknownFactorError at DAG parse time. An unknown workload always raises
UnknownWorkloadError.
"""
import datetime
import json
import pathlib

# the generator writes the contract next to this module under this name (CONTRACT_FILE, lib/airflow/names.ts)
PROFILES = json.loads(pathlib.Path(__file__).with_name("profiles.json").read_text())

HEAVY_FACTORS = frozenset(PROFILES["heavy_factors"])


class UnknownNameError(KeyError):
    """A name that profiles.json (and so the cluster config) does not know."""

    def __str__(self):
        return self.args[0]


class UnknownFactorError(UnknownNameError):
    """A factor that airflow.factors does not list, with airflow.unknownFactors: refuse."""


class UnknownWorkloadError(UnknownNameError):
    """A workload that compute.workloads does not list."""


class PoolMissingError(RuntimeError):
    """A workload's pool does not exist in Airflow: pools.json was not imported."""


class PreflightError(RuntimeError):
    """A task's memory estimate is above what its pod may use: refuse before the OOM killer does."""


def _known(section):
    return ", ".join(sorted(PROFILES[section]))


def _workload(name):
    try:
        return PROFILES["workloads"][name]
    except KeyError:
        raise UnknownWorkloadError(
            f"unknown workload {name!r}: add it to compute.workloads in {PROFILES['generated_from']}, "
            f"run `npm run synth` and deploy the new profiles.json (known: {_known('workloads')})"
        ) from None


def _factor(name):
    known = PROFILES["factors"].get(name)
    if known is not None:
        return known
    if PROFILES["unknown_factors"] == "normal":
        workload = PROFILES["factor_workloads"]["normal"]
        return {"heavy": False, "workload": workload, "profile": _workload(workload)["profile"]}
    raise UnknownFactorError(
        f"unknown factor {name!r}: check its spelling against the known factors ({_known('factors')}); "
        f"if it is new, add it to airflow.factors in {PROFILES['generated_from']} (and to "
        f"airflow.heavyFactors if it needs the heavy profile), run `npm run synth` and deploy the new "
        f"profiles.json with the DAG"
    )


# Workloads: FTF normal / heavy, Discovery, WFRB.


def max_active_runs_for(workload):
    """max_active_runs of a DAG running this workload (per DAG: the pool caps the workload)."""
    return _workload(workload)["max_active_runs"]


def pool_for(workload):
    """Name of the Airflow pool every task of the workload draws from."""
    return _workload(workload)["pool"]


def pod_override_for_workload(workload):
    """The pod_override of the workload's profile as a kubernetes.client.V1Pod.

    Deserialized from the camelCase dict exactly as Airflow's PodGenerator reads a pod template.
    """
    from kubernetes.client import ApiClient, V1Pod  # here: routing works without the package

    fragment = PROFILES["profiles"][_workload(workload)["profile"]]["pod_override"]
    return ApiClient()._ApiClient__deserialize(fragment, V1Pod)


def executor_config_for_workload(workload):
    """The task's executor_config selecting the workload's profile."""
    return {"pod_override": pod_override_for_workload(workload)}


def exclusive_pools(workload):
    """Pools that must be idle before the workload starts (compute.workloads.*.exclusiveWith).

    Airflow does not enforce this: DAG code must check it, e.g. with busy_exclusive_pools().
    """
    return [pool_for(other) for other in _workload(workload)["exclusive_with"]]


def busy_exclusive_pools(workload):
    """The pools of exclusive_pools(workload) with running or queued tasks right now.

    Reads Airflow's metadata database: call it from a task (a sensor), never at DAG parse time.
    """
    from airflow.models import Pool  # here, so the rest of the module needs no Airflow

    busy = []
    for name in exclusive_pools(workload):
        pool = Pool.get_pool(name)
        if pool is None:
            raise PoolMissingError(f"Airflow pool {name!r} does not exist: run `airflow pools import` on pools.json")
        if pool.occupied_slots() > 0:
            busy.append(name)
    return busy


def exclusive_pools_idle(workload):
    """True when no pool of exclusive_pools(workload) is busy: a PythonSensor's callable."""
    return not busy_exclusive_pools(workload)


def default_args(workload):
    """default_args for every task of a workload's DAG: the retry policy (the chart can set neither
    exponential backoff nor max_retry_delay) and the workload's pool, one slot per task (pod)."""
    retry = PROFILES["retry"]
    w = _workload(workload)
    return {
        "retries": retry["retries"],
        "retry_delay": datetime.timedelta(seconds=retry["retry_delay_seconds"]),
        "retry_exponential_backoff": retry["retry_exponential_backoff"],
        "max_retry_delay": datetime.timedelta(seconds=retry["max_retry_delay_seconds"]),
        "pool": w["pool"],
        "pool_slots": w["pool_slots"],
    }


def _preflight(workload):
    return PROFILES["profiles"][_workload(workload)["profile"]]["preflight"]


def memory_limit_bytes_for_workload(workload):
    """The memory limit of the workload's pod: above it the OOM killer ends the task."""
    return _preflight(workload)["memory_limit_bytes"]


def preflight_memory_threshold_bytes_for_workload(workload):
    """The largest memory estimate a task of the workload may train with: the lower of a share of
    the node's memory and a share of the pod's memory limit."""
    return _preflight(workload)["memory_threshold_bytes"]


def check_preflight_for_workload(workload, estimate_bytes):
    """Raise PreflightError when the estimate exceeds the workload's threshold; else return it."""
    threshold = preflight_memory_threshold_bytes_for_workload(workload)
    if estimate_bytes > threshold:
        p = _preflight(workload)
        raise PreflightError(
            f"{workload}: estimated {estimate_bytes} B > {threshold} B allowed (min of "
            f"{p['memory_fraction']:.0%} of a {p['node_type']} node and {p['limit_fraction']:.0%} of the "
            f"{_workload(workload)['profile']} profile's {p['memory_limit_bytes']} B limit)"
        )
    return threshold


# FTF factors: each routes whole to the normal or the heavy workload.


def is_heavy_factor(name):
    """True when the factor runs as the heavy workload (heavy profile, max_active_runs 1)."""
    return _factor(name)["heavy"]


def profile_for(factor):
    """Name of the pod profile the factor runs with, e.g. 'standard' or 'heavy'."""
    return _factor(factor)["profile"]


def workload_for(factor):
    """Name of the workload the factor runs as, e.g. 'ftf-normal' or 'ftf-heavy'."""
    return _factor(factor)["workload"]


def max_active_runs(factor):
    """max_active_runs of the DAG running this factor."""
    return max_active_runs_for(workload_for(factor))


def pod_override(factor):
    """The factor's pod_override as a kubernetes.client.V1Pod."""
    return pod_override_for_workload(workload_for(factor))


def executor_config(factor):
    """The task's executor_config selecting the factor's profile."""
    return executor_config_for_workload(workload_for(factor))


def memory_limit_bytes(factor):
    """The memory limit of the factor's pod."""
    return memory_limit_bytes_for_workload(workload_for(factor))


def preflight_memory_threshold_bytes(factor):
    """A task must refuse to train when its memory estimate exceeds this many bytes."""
    return preflight_memory_threshold_bytes_for_workload(workload_for(factor))


def check_preflight(factor, estimate_bytes):
    """Raise PreflightError when the factor's estimate exceeds its threshold; else return the threshold."""
    return check_preflight_for_workload(workload_for(factor), estimate_bytes)
