"""Reads pod template files the way Airflow does: yaml.safe_load, then the Kubernetes client's
model deserializer into V1Pod (airflow.kubernetes.pod_generator). Prints, per file, what survived,
plus the pod serialized back, so the caller can see that no field was silently dropped."""
import json
import sys

import yaml
from kubernetes.client import ApiClient, V1Pod

api = ApiClient()
out = {}
for path in sys.argv[1:]:
    with open(path) as f:
        data = yaml.safe_load(f)
    pod = api._ApiClient__deserialize(data, "V1Pod")
    base = pod.spec.containers[0]
    out[path] = {
        "isV1Pod": isinstance(pod, V1Pod),
        "container": base.name,
        "image": base.image,
        "requests": base.resources.requests,
        "limits": base.resources.limits,
        "env": {e.name: e.value for e in base.env if e.value is not None},
        "nodeSelector": pod.spec.node_selector,
        "restartPolicy": pod.spec.restart_policy,
        "roundTrip": api.sanitize_for_serialization(pod),
        "original": data,
    }
print(json.dumps(out))
