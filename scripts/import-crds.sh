#!/usr/bin/env bash
# Offline re-import of the CRDs listed in cdk8s.yaml, from the copies in ../shared/crds/.
# Same module names as cdk8s.yaml, so `npx cdk8s import` (online) gives the same imports/.
set -euo pipefail
cd "$(dirname "$0")/.."
crds=${CRDS_DIR:-../shared/crds}
args=()
while read -r entry; do
  name=${entry%%:=*}
  file=$crds/$(basename "${entry#*:=}")
  [ -f "$file" ] || { echo "missing $file (needed for $name)" >&2; exit 1; }
  args+=("$name:=$file")
done < <(sed -n 's/^  - \(.*:=.*\)$/\1/p' cdk8s.yaml)
rm -rf imports
# the CLI takes one spec per run
for spec in "${args[@]}"; do
  npx cdk8s import --no-check-upgrade --no-save --output imports --language typescript "$spec"
done
# the CEL rules the API server runs (x-kubernetes-validations), for the synth-time check
node -r ./scripts/register.js scripts/extract-cel.ts "${args[@]#*:=}"
