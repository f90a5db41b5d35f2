// Scripts mounted into the BuildKit pods. They are fixed text: their parameters come as arguments
// from the pod spec, so nothing is spliced into them.

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
