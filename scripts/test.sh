#!/usr/bin/env bash
# Runs every test of the project, after installing what the tests need and is not yet here:
# an etcd server (Debian's etcd-server) for the data-plane tests, the Kubernetes binaries (built
# once from the Go module proxy and cached) for the operator's tests and the local cluster. Then
# the end-to-end suite runs on a real single-node cluster (scripts/e2e.sh; it needs root).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v etcd >/dev/null 2>&1; then
  echo "Installing etcd-server (Debian) for the data-plane tests"
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq etcd-server >/dev/null
fi

scripts/k8s-test-binaries.sh

./mvnw -B verify "$@"
scripts/fuzz.sh
scripts/e2e.sh
