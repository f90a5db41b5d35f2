"""Builds worker pods the way Airflow 2.10's KubernetesExecutor does, and prints them as JSON.

Airflow itself is not installed here, so this follows, step by step, the algorithm of
apache-airflow-providers-cncf-kubernetes, module airflow/providers/cncf/kubernetes/pod_generator.py
(the 10.x releases Airflow 2.10 runs with; its 2.10.5 constraints pin 10.1.0):

- PodGenerator.deserialize_model_file: yaml.safe_load, then the Kubernetes client's model
  deserializer into V1Pod (here: ApiClient()._ApiClient__deserialize_model, as upstream);
- PodGenerator.construct_pod: the pods [base template, the executor's dynamic pod, pod_override]
  folded left with reconcile_pods (functools.reduce). The dynamic pod has the name, namespace,
  annotations and labels of the task, and one container `base` with the task's args, the image
  (pod_override's first container image, else [kubernetes_executor] worker_container_repository:tag)
  and the env var AIRFLOW_IS_K8S_EXECUTOR_POD=True;
- reconcile_pods -> reconcile_specs (containers by position, init_containers and volumes appended)
  and reconcile_metadata (labels and annotations dict-merged, list fields appended), then
  merge_objects of the whole pod;
- reconcile_containers: for each position, volume_mounts, env, env_from, ports, volume_devices
  appended (base first), then merge_objects;
- merge_objects: dicts are updated (client wins); for objects, a base attribute is copied onto the
  client only when the client's is falsy AND the base's is truthy (`if not client and base_val`):
  a `false`, 0, "" or [] in the base never survives. Provider 10.5.0 (apache/airflow#50800,
  May 2025) changed the second test to `base_val is not None`; both rules are modelled
  (argv[1]: "truthy" or "not-none"), and the generated pods must be right under either.
- extend_object_field: base list + client list, either may be None.

argv: the merge rule, the kube image, then a JSON list of jobs {"template": path, "override": camelCase dict or
null}. Prints, per job, the final pod serialized (camelCase) plus the same for a template that
says automountServiceAccountToken: false, to show what the rule does with it.
"""
import copy
import functools
import json
import sys

import yaml
from kubernetes.client import ApiClient, models as k8s

api = ApiClient()


def deserialize(data):
    return api._ApiClient__deserialize_model(data, k8s.V1Pod)


RULE = sys.argv[1]


def merge_objects(base, client):
    if not base:
        return client
    if not client:
        return base
    out = copy.deepcopy(client)
    if isinstance(base, dict) and isinstance(out, dict):
        merged = copy.deepcopy(base)
        merged.update(out)
        return merged
    for key in base.to_dict():
        base_val = getattr(base, key, None)
        keep = base_val if RULE == "truthy" else base_val is not None
        if not getattr(client, key, None) and keep:
            setattr(out, key, base_val)
    return out


def extend_object_field(base, client, field):
    out = copy.deepcopy(client)
    base_list = getattr(base, field, None)
    client_list = getattr(client, field, None)
    for value in (base_list, client_list):
        if value is not None and not isinstance(value, list):
            raise ValueError(f"{field} must be a list")
    if not base_list:
        return out
    if not client_list:
        setattr(out, field, base_list)
        return out
    setattr(out, field, base_list + client_list)
    return out


def reconcile_containers(base, client):
    if not base:
        return client
    if not client:
        return base
    merged = client[0]
    for field in ("volume_mounts", "env", "env_from", "ports", "volume_devices"):
        merged = extend_object_field(base[0], merged, field)
    merged = merge_objects(base[0], merged)
    return [merged, *reconcile_containers(base[1:], client[1:])]


def reconcile_specs(base, client):
    if base and not client:
        return base
    if client and not base:
        return client
    if base and client:
        client.containers = reconcile_containers(base.containers, client.containers)
        merged = extend_object_field(base, client, "init_containers")
        merged = extend_object_field(base, merged, "volumes")
        return merge_objects(base, merged)
    return None


def reconcile_metadata(base, client):
    if base and not client:
        return base
    if client and not base:
        return client
    if base and client:
        client.labels = merge_objects(base.labels, client.labels)
        client.annotations = merge_objects(base.annotations, client.annotations)
        for field in ("managed_fields", "finalizers", "owner_references"):
            extend_object_field(base, client, field)  # upstream discards these results too
        return merge_objects(base, client)
    return None


def reconcile_pods(base, client):
    if client is None:
        return base
    out = copy.deepcopy(client)
    out.spec = reconcile_specs(base.spec, out.spec)
    out.metadata = reconcile_metadata(base.metadata, out.metadata)
    return merge_objects(base, out)


def dynamic_pod(kube_image, override):
    """The executor's own pod for one task (construct_pod), with fixed task identifiers."""
    try:
        image = override.spec.containers[0].image or kube_image
    except Exception:
        image = kube_image
    return k8s.V1Pod(
        metadata=k8s.V1ObjectMeta(
            namespace="airflow",
            name="ftf-calibration-train-btc-abc123",
            annotations={"dag_id": "ftf_calibration", "task_id": "train_BTC", "try_number": "1", "run_id": "manual__1"},
            labels={"dag_id": "ftf_calibration", "task_id": "train_BTC", "try_number": "1",
                    "kubernetes_executor": "True", "airflow_version": "2.10.5", "airflow-worker": "1",
                    "run_id": "manual__1"},
        ),
        spec=k8s.V1PodSpec(containers=[k8s.V1Container(
            name="base",
            args=["airflow", "tasks", "run", "ftf_calibration", "train_BTC", "manual__1", "--local"],
            image=image,
            env=[k8s.V1EnvVar(name="AIRFLOW_IS_K8S_EXECUTOR_POD", value="True")],
        )]),
    )


def construct_pod(template, override, kube_image):
    pods = [template, dynamic_pod(kube_image, override), override]
    return functools.reduce(reconcile_pods, pods)


kube_image, jobs = sys.argv[2], json.loads(sys.argv[3])
out = []
for job in jobs:
    with open(job["template"]) as f:
        data = yaml.safe_load(f)
    override = deserialize(job["override"]) if job["override"] is not None else None
    pod = construct_pod(deserialize(data), override, kube_image)
    with_false = copy.deepcopy(data)
    with_false["spec"]["automountServiceAccountToken"] = False
    pod_with_false = construct_pod(deserialize(with_false), override, kube_image)
    out.append({
        "pod": api.sanitize_for_serialization(pod),
        "templateAutomountFalse": api.sanitize_for_serialization(pod_with_false)["spec"].get("automountServiceAccountToken"),
    })
print(json.dumps(out))
