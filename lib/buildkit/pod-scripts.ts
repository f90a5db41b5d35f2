// Scripts mounted into the BuildKit pods, and the ConfigMap that mounts them. They are fixed text:
// their parameters come as arguments from the pod spec, so nothing is spliced into them.
import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { addFile, meta } from '../core/chart';
import { BUILDKITD } from './labels';

export const DRAIN_FILE = 'drain.sh';
export const CLEANUP_FILE = 'cache-cleanup.sh';
export const GATE_FILE = 'gate.cfg';
export const DELETION_COST_FILE = 'deletion-cost.sh';
/** ConfigMap of the scripts mounted into every BuildKit pod. */
export const SCRIPTS_CONFIGMAP = 'buildkitd-scripts';

/**
 * preStop of a BuildKit pod. Arguments: build port, settle seconds, poll seconds.
 * First waits `settle` so HAProxy's DNS has dropped the terminating pod and routes no new build
 * here, then until no TCP connection to the build port is open. The kubelet kills the pod at the
 * end of its grace period whatever happens here.
 */
export const DRAIN_SCRIPT = `#!/bin/sh
# preStop drain of a BuildKit pod: returns when no build connection is open.
# Usage: drain.sh PORT SETTLE_SECONDS POLL_SECONDS
set -u
port=$1 settle=$2 poll=$3
hex=$(printf '%04X' "$port")
# preStop output is not logged: write to buildkitd's stdout (DRAIN_LOG overrides, for tests)
log() { echo "drain: $*" >"\${DRAIN_LOG:-/proc/1/fd/1}"; }
# established (state 01) TCP connections whose local port is the build port, IPv4 and IPv6
open_builds() {
  cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk -v p=":$hex\\$" '$2 ~ p && $4 == "01"' | wc -l
}
log "waiting \${settle}s for HAProxy to stop routing builds here"
sleep "$settle"
while n=$(open_builds); [ "$n" -gt 0 ]; do
  log "$n build connection(s) open"
  sleep "$poll"
done
log "no build connection open, stopping"
`;

/**
 * Init step of a BuildKit pod: cache hygiene on the node's shared array. Arguments: cache root,
 * the kubelet's pods directory, this pod's UID. Each pod's cache directory is named after its UID;
 * a directory whose pod has left this node (the kubelet removes /var/lib/kubelet/pods/<uid> once
 * the pod is gone; a draining pod still has it) is an orphan BuildKit's GC cannot see. The newest
 * orphan is adopted as this pod's cache (a warm start), the others are removed. Each orphan is
 * claimed with one rename (atomic), so two pods starting together never share or half-delete one.
 * Only UID-named directories are touched.
 */
export const CACHE_CLEANUP_SCRIPT = `#!/bin/sh
# Cache hygiene before buildkitd starts: adopt the newest orphaned cache, remove the other orphans.
# Usage: cache-cleanup.sh CACHE_ROOT KUBELET_PODS_DIR POD_UID
set -u
root=$1 pods=$2 self=$3
log() { echo "cache-cleanup: $*"; }
uid='[0-9a-f]\\{8\\}-[0-9a-f]\\{4\\}-[0-9a-f]\\{4\\}-[0-9a-f]\\{4\\}-[0-9a-f]\\{12\\}'
if [ -d "$root/$self" ]; then
  log "$self: keeping this pod's cache (container restart)"
  adopted=$self
else
  adopted=
fi
# newest first; names are UIDs (no blanks), anything else is left alone
for dir in $(ls -1t "$root" | grep -x "$uid"); do
  [ "$dir" = "$self" ] && continue
  [ -d "$root/$dir" ] || continue
  if [ -d "$pods/$dir" ]; then continue; fi # its pod is still on this node (running or draining)
  if [ -z "$adopted" ] && mv "$root/$dir" "$root/$self" 2>/dev/null; then
    adopted=$dir
    log "adopted the cache of gone pod $dir"
  elif mv "$root/$dir" "$root/.orphan-$self-$dir" 2>/dev/null; then
    log "removing the cache of gone pod $dir"
    rm -rf "$root/.orphan-$self-$dir"
  fi
done
[ -n "$adopted" ] || log "no orphaned cache to adopt: starting cold"
mkdir -p "$root/$self"
`;

/** Annotation the ReplicaSet controller reads to pick which pods a scale-down removes (lowest first). */
export const DELETION_COST = 'controller.kubernetes.io/pod-deletion-cost';
/** Deletion cost of a pod running a build; an idle pod has 0, so the HPA removes idle pods first. */
export const BUSY_COST = 1000;

/**
 * Sidecar of a BuildKit pod (it shares the pod's network namespace): every POLL seconds it looks
 * at the established connections to the build port, as drain.sh does, and sets the pod's
 * deletion cost to BUSY_COST while a build runs, 0 when idle. It patches only on a change, with
 * `kubectl patch` (the Role allows patching pods, nothing else). Arguments: build port, poll
 * seconds, busy cost; POD_NAME and POD_NAMESPACE from the downward API.
 */
export const DELETION_COST_SCRIPT = `#!/bin/sh
# Keeps controller.kubernetes.io/pod-deletion-cost = busy cost while a build runs, 0 when idle.
# Usage: deletion-cost.sh PORT POLL_SECONDS BUSY_COST
set -u
port=$1 poll=$2 busy=$3
hex=$(printf '%04X' "$port")
# PID 1 gets no default SIGTERM handling: exit at once, or the pod would wait for its whole grace
trap 'exit 0' TERM INT
open_builds() {
  cat "\${PROC_NET:-/proc/net}/tcp" "\${PROC_NET:-/proc/net}/tcp6" 2>/dev/null | awk -v p=":$hex\\$" '$2 ~ p && $4 == "01"' | wc -l
}
last=
while :; do
  if [ "$(open_builds)" -gt 0 ]; then cost=$busy; else cost=0; fi
  if [ "$cost" != "$last" ]; then
    patch="{\\"metadata\\":{\\"annotations\\":{\\"${DELETION_COST}\\":\\"$cost\\"}}}"
    if kubectl patch pod "$POD_NAME" -n "$POD_NAMESPACE" --type merge -p "$patch" >/dev/null; then
      echo "deletion-cost: $cost"
      last=$cost
    fi
  fi
  sleep "$poll" &
  wait $!
done
`;

/** The files of the scripts ConfigMap, shared by every arch: their checksums roll the pods. */
export type PodScripts = Record<typeof DRAIN_FILE | typeof CLEANUP_FILE | typeof GATE_FILE | typeof DELETION_COST_FILE, string>;

/** The pods' files: the fixed scripts and the gate's haproxy.cfg (rendered from the farm's settings). */
export const podScripts = (gateCfg: string): PodScripts => ({
  [DRAIN_FILE]: DRAIN_SCRIPT,
  [CLEANUP_FILE]: CACHE_CLEANUP_SCRIPT,
  [DELETION_COST_FILE]: DELETION_COST_SCRIPT,
  [GATE_FILE]: gateCfg,
});

/** The scripts ConfigMap shared by every arch; the gate's haproxy.cfg is also a file of its own, for `haproxy -c`. */
export function addScriptsConfigMap(scope: Construct, namespace: string, scripts: PodScripts): void {
  addFile(scope, GATE_FILE, scripts[GATE_FILE]);
  new k8s.KubeConfigMap(scope, SCRIPTS_CONFIGMAP, {
    metadata: meta(BUILDKITD, SCRIPTS_CONFIGMAP, namespace),
    data: { ...scripts },
  });
}
