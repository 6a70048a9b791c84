#!/usr/bin/env bash
# Runs the end-to-end suite on a real single-node cluster: starts the cluster
# (scripts/local-cluster.sh), builds the project's images from its Dockerfiles and imports them
# (scripts/images.sh), installs the operator with `kubectl apply -k deploy/` and runs the
# scenarios of the e2e module (Maven profile e2e). A cluster this script started is stopped at the
# end, whatever happened; one that was already up is left up.
#
# Usage: scripts/e2e.sh [MAVEN ARGS...]   (e.g. -Dit.test=... to pick scenarios)
#
# Needs root (see scripts/local-cluster.sh); the project's jars must be built (`./mvnw -B package`
# or `./mvnw -B verify`): they are what goes into the images.
#
# Environment:
#   ADAPT_E2E_KEEP_CLUSTER=1  leave a cluster this script started running afterwards
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[e2e] %s\n' "$*" >&2; }

if [[ ! -s cli/target/adapt.jar ]]; then
  log "building the project first (no cli/target/adapt.jar)"
  ./mvnw -B -q -DskipTests package
fi

started_cluster=false
finish() {
  local rc=$?
  if [[ "$started_cluster" == true && -z "${ADAPT_E2E_KEEP_CLUSTER:-}" ]]; then
    scripts/local-cluster.sh down || rc=1
  fi
  exit "$rc"
}
trap finish EXIT

if scripts/local-cluster.sh status >/dev/null 2>&1; then
  log "using the cluster that is already up"
else
  started_cluster=true
  scripts/local-cluster.sh up
fi

scripts/images.sh
images=$(scripts/images.sh --print-dir)
scripts/local-cluster.sh load-images "$images"/{etcd,operator,dispatcher,worker}.tar

KUBECONFIG=$(scripts/local-cluster.sh kubeconfig)
export KUBECONFIG
./mvnw -B -Pe2e -pl e2e -am verify "$@"
