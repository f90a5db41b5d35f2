# Generated from clusters/scw-ml-prod.yaml by `npm run synth`. Do not edit.
"""Worker profiles for DAG code, read from the profiles.json generated next to this file.

DAG code imports this module instead of keeping its own copy of factor names, resources or
retry settings:

    from dag_profiles import default_args, executor_config, max_active_runs

Every function that takes a factor raises UnknownFactorError for a factor profiles.json does not
list, so a typo fails at DAG parse time instead of running on the wrong profile.
"""
import datetime
import json
import pathlib

from kubernetes.client import ApiClient, V1Pod

PROFILES = json.loads(pathlib.Path(__file__).with_name("profiles.json").read_text())


class UnknownFactorError(KeyError):
    """A factor that profiles.json (and so the cluster config) does not know."""

    def __str__(self):
        return self.args[0]


def _factor(name):
    try:
        return PROFILES["factors"][name]
    except KeyError:
        known = ", ".join(sorted(PROFILES["factors"]))
        raise UnknownFactorError(
            f"unknown factor {name!r}: add it to airflow.factors in {PROFILES['generated_from']} "
            f"and re-run the generator (known: {known})"
        ) from None


def is_heavy_factor(name):
    """True when the factor runs on the heavy profile (max_active_runs 1)."""
    return _factor(name)["heavy"]


def profile_for(factor):
    """Name of the pod profile the factor runs with, e.g. 'standard' or 'heavy'."""
    return _factor(factor)["profile"]


def workload_for(factor):
    return _factor(factor)["workload"]


def max_active_runs(factor):
    """max_active_runs of the DAG running this factor."""
    return PROFILES["workloads"][workload_for(factor)]["max_active_runs"]


def pod_override(factor):
    """The factor's pod_override as a kubernetes.client.V1Pod.

    Deserialized from the camelCase dict exactly as Airflow's PodGenerator reads a pod template.
    """
    fragment = PROFILES["profiles"][profile_for(factor)]["pod_override"]
    return ApiClient()._ApiClient__deserialize(fragment, V1Pod)


def executor_config(factor):
    """The task's executor_config selecting the factor's profile."""
    return {"pod_override": pod_override(factor)}


def preflight_memory_threshold_bytes(factor):
    """A task must refuse to train when its memory estimate exceeds this many bytes."""
    return PROFILES["profiles"][profile_for(factor)]["preflight"]["memory_threshold_bytes"]


def default_args():
    """Retry policy for every task (the chart can set neither exponential backoff nor this cap)."""
    retry = PROFILES["retry"]
    return {
        "retries": retry["retries"],
        "retry_delay": datetime.timedelta(seconds=retry["retry_delay_seconds"]),
        "retry_exponential_backoff": retry["retry_exponential_backoff"],
        "max_retry_delay": datetime.timedelta(seconds=retry["max_retry_delay_seconds"]),
    }
