#!/usr/bin/env bash
# Offline re-import of the CRDs listed in cdk8s.yaml, from the copies in ../shared/crds/.
# Same module names as cdk8s.yaml, so `npx cdk8s import` (online) gives the same imports/.
# A copy is found by the URL's file name, or as <group>_<file name> (cilium.io_ciliumnetworkpolicies.yaml).
# Kinds without a model package (CiliumNetworkPolicy) also get their openAPIV3Schema as
# imports/<name>.schema.json, which lib/pipeline/validate.ts validates them against.
set -euo pipefail
cd "$(dirname "$0")/.."
crds=${CRDS_DIR:-../shared/crds}
args=()
while read -r entry; do
  name=${entry%%:=*}
  base=$(basename "${entry#*:=}")
  file=$crds/$base
  [ -f "$file" ] || file=$(ls "$crds"/*_"$base" 2>/dev/null | head -n 1)
  [ -f "$file" ] || { echo "missing $crds/$base (needed for $name)" >&2; exit 1; }
  args+=("$name:=$file")
done < <(sed -n 's/^  - \(.*:=.*\)$/\1/p' cdk8s.yaml)
rm -rf imports
# the CLI takes one spec per run
for spec in "${args[@]}"; do
  npx cdk8s import --no-check-upgrade --no-save --output imports --language typescript "$spec"
done
# the schema of each kind the model packages lack, for the validator (same content cdk8s import read)
for spec in "${args[@]}"; do
  case "${spec%%:=*}" in
    cilium-*) node -e '
      const fs = require("fs"), { parseAllDocuments } = require("yaml");
      const [name, file] = process.argv.slice(1);
      const schemas = {};
      for (const doc of parseAllDocuments(fs.readFileSync(file, "utf8"))) {
        const crd = doc.toJS();
        if (crd?.kind !== "CustomResourceDefinition") continue;
        for (const v of crd.spec.versions)
          schemas[`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`] = v.schema.openAPIV3Schema;
      }
      fs.writeFileSync(`imports/${name}.schema.json`, JSON.stringify(schemas) + "\n");
    ' "${spec%%:=*}" "${spec#*:=}" ;;
  esac
done
# the CEL rules the API server runs (x-kubernetes-validations), for the synth-time check
node -r ./scripts/register.js scripts/extract-cel.ts "${args[@]#*:=}"
