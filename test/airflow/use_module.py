"""Imports the generated dag_profiles module from the folder given and exercises it as DAG code
would, printing the results as JSON."""
import datetime
import json
import sys

sys.path.insert(0, sys.argv[1])
import dag_profiles  # noqa: E402
from kubernetes.client import V1Pod  # noqa: E402

factors = {}
for factor in json.loads(sys.argv[2]):
    pod = dag_profiles.pod_override(factor)
    base = pod.spec.containers[0]
    factors[factor] = {
        "heavy": dag_profiles.is_heavy_factor(factor),
        "profile": dag_profiles.profile_for(factor),
        "maxActiveRuns": dag_profiles.max_active_runs(factor),
        "preflightBytes": dag_profiles.preflight_memory_threshold_bytes(factor),
        "isV1Pod": isinstance(pod, V1Pod),
        "executorConfigIsV1Pod": isinstance(dag_profiles.executor_config(factor)["pod_override"], V1Pod),
        "container": base.name,
        "requests": base.resources.requests,
        "limits": base.resources.limits,
        "nodeSelector": pod.spec.node_selector,
        "labels": pod.metadata.labels,
    }

args = dag_profiles.default_args()
errors = {}
for name in ("is_heavy_factor", "profile_for", "pod_override"):
    try:
        getattr(dag_profiles, name)(sys.argv[3])
        errors[name] = None
    except KeyError as e:
        errors[name] = {"type": type(e).__name__, "message": str(e)}

print(json.dumps({
    "factors": factors,
    "defaultArgs": {
        "retries": args["retries"],
        "retry_exponential_backoff": args["retry_exponential_backoff"],
        "retry_delay": args["retry_delay"].total_seconds(),
        "max_retry_delay": args["max_retry_delay"].total_seconds(),
        "timedeltas": all(isinstance(args[k], datetime.timedelta) for k in ("retry_delay", "max_retry_delay")),
    },
    "unknown": errors,
}))
