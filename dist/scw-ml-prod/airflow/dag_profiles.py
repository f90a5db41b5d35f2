# Generated from clusters/scw-ml-prod.yaml by `npm run synth`. Do not edit.
"""Worker profiles, Airflow pools and the retry policy for DAG code, read from the profiles.json
generated next to this file.

DAG code imports this module instead of keeping its own copy of factor names, resources, pools or
retry settings:

    import dag_profiles as profiles

    workload = profiles.workload_for(factor)          # or a workload name: "discovery", "wfrb"
    DAG(..., max_active_runs=profiles.max_active_runs_for(workload),
        default_args=profiles.default_args(workload))  # retries + the workload's pool

A factor or a workload that profiles.json does not list raises UnknownFactorError or
UnknownWorkloadError, so a typo fails at DAG parse time instead of running on the wrong profile or
outside its pool.
"""
import datetime
import json
import pathlib

from kubernetes.client import ApiClient, V1Pod

# the generator writes the contract next to this module under this name (CONTRACT_FILE, lib/airflow/model.ts)
PROFILES = json.loads(pathlib.Path(__file__).with_name("profiles.json").read_text())


class UnknownNameError(KeyError):
    """A name that profiles.json (and so the cluster config) does not know."""

    def __str__(self):
        return self.args[0]


class UnknownFactorError(UnknownNameError):
    """A factor that airflow.factors does not list."""


class UnknownWorkloadError(UnknownNameError):
    """A workload that compute.workloads does not list."""


class PoolMissingError(RuntimeError):
    """A workload's pool does not exist in Airflow: pools.json was not imported."""


def _lookup(section, name, error, field):
    try:
        return PROFILES[section][name]
    except KeyError:
        known = ", ".join(sorted(PROFILES[section]))
        raise error(
            f"unknown {section[:-1]} {name!r}: add it to {field} in {PROFILES['generated_from']} "
            f"and re-run the generator (known: {known})"
        ) from None


def _factor(name):
    return _lookup("factors", name, UnknownFactorError, "airflow.factors")


def _workload(name):
    return _lookup("workloads", name, UnknownWorkloadError, "compute.workloads")


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


def preflight_memory_threshold_bytes(factor):
    """A task must refuse to train when its memory estimate exceeds this many bytes."""
    return PROFILES["profiles"][profile_for(factor)]["preflight"]["memory_threshold_bytes"]
