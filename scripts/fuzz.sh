#!/usr/bin/env bash
# Fuzzes each decoder of hostile input for a bounded time (the maxDuration of its @FuzzTest).
# Jazzer fuzzes one test per JVM, hence one Maven run per target. A finding fails the run and is
# written next to the target's seeds (src/test/resources/.../<Class>Inputs/<method>/), where plain
# `./mvnw verify` replays it as a regression test from then on.
set -euo pipefail
cd "$(dirname "$0")/.."

targets=(
  "core:TensorWireCodecFuzzTest"
  "core:SliceArtifactFuzzTest"
  "worker-image:SliceUploadFuzzTest"
  "dispatcher-image:OipRestCodecFuzzTest"
  "dispatcher-image:OipGrpcCodecFuzzTest"
)
for target in "${targets[@]}"; do
  module="${target%%:*}"
  test="${target#*:}"
  echo "fuzzing ${test} (${module})"
  log="${module}/target/fuzz-${test}.log"
  mkdir -p "${module}/target"
  if ! JAZZER_FUZZ=1 ./mvnw -B -pl "${module}" -am test -Dtest="${test}" \
    -Dsurefire.failIfNoSpecifiedTests=false "$@" >"${log}" 2>&1; then
    grep -E '== Java Exception|FuzzTestFinding|^\s+at |\[ERROR\]' "${log}" | head -40 >&2 || true
    echo "fuzzing ${test} failed; the whole log is ${log}" >&2
    exit 1
  fi
  grep -E '^Done [0-9]+ runs' "${log}" || echo "(no fuzzing summary in ${log})"
done
